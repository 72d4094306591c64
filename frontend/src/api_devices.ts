// api_devices calls the device panel (DeviceService, M-4) and the scanner / folder inbox of 1-3
// STEP2 (ScanService). Scanned pages stay in Go; the frontend gets previews and references.

import { bound } from "./bound";
import type { DeviceConfig, ScanInput } from "./contract.gen";

export const Devices = {
  List: () => bound("DeviceService", "List"),
  Config: () => bound("DeviceService", "Config"),
  SetConfig: (c: DeviceConfig) => bound("DeviceService", "SetConfig", c),
};

export const Scan = {
  Scanners: (companyId: number) => bound("ScanService", "Scanners", companyId),
  Scan: (companyId: number, personId: number, req: ScanInput) => bound("ScanService", "Scan", companyId, personId, req),
  Cancel: () => bound("ScanService", "Cancel"),
  Inbox: (companyId: number) => bound("ScanService", "Inbox", companyId),
  OpenInbox: (companyId: number, id: string) => bound("ScanService", "OpenInbox", companyId, id),
  Discard: (companyId: number, handle: string) => bound("ScanService", "Discard", companyId, handle),
};
