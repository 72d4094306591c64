// api_devices calls the device panel (DeviceService, M-4) and the scanner / folder inbox of 1-3
// STEP2 (ScanService). Scanned pages stay in Go; the frontend gets previews and references.

import { call } from "./api";
import type { DeviceConfig, DeviceList, InboxEntry, ScanInput, ScanResult, ScanScanner } from "./types_devices";

export const Devices = {
  List: () => call<DeviceList>("DeviceService", "List"),
  Config: () => call<DeviceConfig>("DeviceService", "Config"),
  SetConfig: (c: DeviceConfig) => call<DeviceConfig>("DeviceService", "SetConfig", c),
};

export const Scan = {
  Scanners: (companyId: number) => call<ScanScanner[] | null>("ScanService", "Scanners", companyId),
  Scan: (companyId: number, personId: number, req: ScanInput) => call<ScanResult>("ScanService", "Scan", companyId, personId, req),
  Cancel: () => call<void>("ScanService", "Cancel"),
  Inbox: (companyId: number) => call<InboxEntry[] | null>("ScanService", "Inbox", companyId),
  OpenInbox: (companyId: number, id: string) => call<ScanResult>("ScanService", "OpenInbox", companyId, id),
  Discard: (companyId: number, handle: string) => call<void>("ScanService", "Discard", companyId, handle),
};
