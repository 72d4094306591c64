// バックアップ (M-5) and 「バックアップから復元」 of the first start (BackupService). Go checks the
// role, the folder, the set and the Recovery Kit; the page only asks.

import { bound } from "./bound";
import type { CloudRestoreRequest, RestoreRequest } from "./contract.gen";

const svc = "BackupService";

export const Backup = {
  Status: () => bound(svc, "Status"),
  ChooseFolder: () => bound(svc, "ChooseFolder"),
  Make: (folder: string) => bound(svc, "Make", folder),
  RestoreNew: (r: RestoreRequest) => bound(svc, "RestoreNew", r),
};

const rsvc = "ReplicaService";

export const Replica = {
  Status: () => bound(rsvc, "Status"),
  UploadNow: () => bound(rsvc, "UploadNow"),
  RestoreCode: () => bound(rsvc, "RestoreCode"),
  RestoreFromCloud: (r: CloudRestoreRequest) => bound(rsvc, "RestoreFromCloud", r),
};
