// Types of the device panel (DeviceService), the scanner and folder inbox of 1-3 STEP2
// (ScanService) and the bridge's events.

export interface DeviceLabel {
  code: string;
  ja: string;
  en: string;
}

export interface BridgeState {
  connected: boolean;
  version: string;
  pid: number;
  started: string;
  launched: boolean;
  error?: string;
}

export interface BridgeEvent {
  type: string;
  at: string;
  device?: string;
  message?: string;
  retries?: number;
  step?: number;
  steps?: number;
  id?: string;
}

export interface DeviceRow {
  kind: DeviceLabel;
  name: string;
  state: DeviceLabel;
  detail: string;
  lastError: string;
  lastErrorAt: string;
}

export interface DeviceList {
  bridge: BridgeState;
  state: DeviceLabel;
  devices: DeviceRow[] | null;
}

export interface DeviceScanner {
  name: string;
  url: string;
  caPem: string;
}

export interface DeviceConfig {
  /** "serial" (our protocol on veinPort) or "exec" (an external driver: veinDriverPath). */
  veinDriver: string;
  veinPort: string;
  veinDriverPath: string;
  veinDriverArgs: string[] | null;
  scanners: DeviceScanner[] | null;
  hotFolder: string;
}

export interface ScanScanner {
  name: string;
  state: DeviceLabel;
  sources: string[] | null;
  duplex: boolean;
  resolutions: number[] | null;
}

export interface ScanInput {
  scanner: string;
  source: string;
  duplex: boolean;
  color: string;
  dpi: number;
}

export interface ScanPage {
  ref: string;
  name: string;
  contentType: string;
  size: number;
  preview: string;
}

export interface ScanResult {
  handle: string;
  pages: ScanPage[] | null;
  expires: string;
  /** stopped: the scanner stopped after these pages (jam, cover open, failure mid-read). */
  stopped?: { code: string; ja: string; en: string };
}

export interface InboxEntry {
  id: string;
  name: string;
  contentType: string;
  size: number;
  received: string;
}
