// バックアップ (M-5) and 「バックアップから復元」 of the first start (BackupService). Go checks the
// role, the folder, the set and the Recovery Kit; the page only asks.

import { call } from "./api";
import type { SessionState } from "./types";

const svc = "BackupService";

/** BackupStatus: when and where the last backup set was made; due = the reminder is on. */
export interface BackupStatus {
  lastAt: string;
  lastFolder: string;
  due: boolean;
  remindDays: number;
}

export interface BackupMade {
  folder: string;
  createdAt: string;
  bytes: number;
}

export interface RestoreRequest {
  folder: string;
  recoveryKey: string;
  login: string;
  newPassword: string;
}

export const Backup = {
  Status: () => call<BackupStatus>(svc, "Status"),
  ChooseFolder: () => call<string>(svc, "ChooseFolder"),
  Make: (folder: string) => call<BackupMade>(svc, "Make", folder),
  RestoreNew: (r: RestoreRequest) => call<SessionState>(svc, "RestoreNew", r),
};

/** ReplicaView: the office's replica on the cloud relay (M-5 クラウド複製). */
export interface ReplicaView {
  enrolled: boolean;
  pending: number;
  lastAt: string;
  lastBytes: number;
  waiting: boolean;
  waitingBytes: number;
  lastError: string;
}

export interface RestoreCodeView {
  code: string;
  expires: string;
}

export interface CloudRestoreRequest {
  url: string;
  caPem: string;
  code: string;
  recoveryKey: string;
  login: string;
  newPassword: string;
}

const rsvc = "ReplicaService";

export const Replica = {
  Status: () => call<ReplicaView>(rsvc, "Status"),
  UploadNow: () => call<ReplicaView>(rsvc, "UploadNow"),
  RestoreCode: () => call<RestoreCodeView>(rsvc, "RestoreCode"),
  RestoreFromCloud: (r: CloudRestoreRequest) => call<SessionState>(rsvc, "RestoreFromCloud", r),
};
