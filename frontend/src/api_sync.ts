// M-5 クラウド連携 and the online submissions of 1-3 STEP2 (SyncService). Go decides every
// role; numbers come back masked, images as base64 for preview only.

import { call } from "./api";
import type { CollectFile } from "./types_collect";
import type {
  SyncAcceptInput, SyncAccepted, SyncCompany, SyncEnrolInput, SyncImported, SyncPublished, SyncStatus, SyncSubmission,
} from "./types_sync";

const svc = "SyncService";

export const Sync = {
  Status: () => call<SyncStatus>(svc, "Status"),
  Enrol: (in_: SyncEnrolInput) => call<SyncStatus>(svc, "Enrol", in_),
  SyncNow: () => call<SyncStatus>(svc, "SyncNow"),
  Companies: () => call<SyncCompany[] | null>(svc, "Companies"),
  PublishCompany: (companyId: number) => call<SyncPublished>(svc, "PublishCompany", companyId),
  ImportSubmissions: (companyId: number) => call<SyncImported>(svc, "ImportSubmissions", companyId),
  Submitted: (companyId: number) => call<SyncSubmission[] | null>(svc, "Submitted", companyId),
  SubmittedImage: (companyId: number, submissionId: number, index: number) =>
    call<CollectFile>(svc, "SubmittedImage", companyId, submissionId, index),
  Accept: (a: SyncAcceptInput) => call<SyncAccepted>(svc, "Accept", a),
  SendBack: (companyId: number, submissionId: number, reason: string) =>
    call<string>(svc, "SendBack", companyId, submissionId, reason),
};
