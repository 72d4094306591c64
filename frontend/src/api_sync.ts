// M-5 クラウド連携 and the online submissions of 1-3 STEP2 (SyncService). Go decides every
// role; numbers come back masked, images as base64 for preview only.

import { bound } from "./bound";
import type { SyncAcceptInput, SyncEnrolInput } from "./contract.gen";

const svc = "SyncService";

export const Sync = {
  Status: () => bound(svc, "Status"),
  Enrol: (in_: SyncEnrolInput) => bound(svc, "Enrol", in_),
  SyncNow: () => bound(svc, "SyncNow"),
  Companies: () => bound(svc, "Companies"),
  PublishCompany: (companyId: number) => bound(svc, "PublishCompany", companyId),
  ImportSubmissions: (companyId: number) => bound(svc, "ImportSubmissions", companyId),
  Submitted: (companyId: number) => bound(svc, "Submitted", companyId),
  SubmittedImage: (companyId: number, submissionId: number, index: number) =>
    bound(svc, "SubmittedImage", companyId, submissionId, index),
  Accept: (a: SyncAcceptInput) => bound(svc, "Accept", a),
  SendBack: (companyId: number, submissionId: number, reason: string) =>
    bound(svc, "SendBack", companyId, submissionId, reason),
};
