// 4-1 廃棄処理 / 廃棄証明書 (DisposeService). Go decides every rule and every role: who may
// propose, approve, reject or execute, and when a reason is required.

import { bound } from "./bound";
import type { DisposalProposal } from "./contract.gen";

export const Dispose = {
  DueList: (companyId: number) => bound("DisposeService", "DueList", companyId),
  DueCount: () => bound("DisposeService", "DueCount"),
  Propose: (p: DisposalProposal) => bound("DisposeService", "Propose", p),
  Pending: (companyId: number) => bound("DisposeService", "Pending", companyId),
  Records: (companyId: number) => bound("DisposeService", "Records", companyId),
  Approve: (id: number) => bound("DisposeService", "Approve", id),
  Reject: (id: number, reason: string) => bound("DisposeService", "Reject", id, reason),
  Execute: (id: number) => bound("DisposeService", "Execute", id),
  Certificate: (id: number) => bound("DisposeService", "Certificate", id),
  FileRegister: (companyId: number) => bound("DisposeService", "FileRegister", companyId),
};
