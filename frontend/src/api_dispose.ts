// 4-1 廃棄処理 / 廃棄証明書 (DisposeService). Go decides every rule and every role: who may
// propose, approve, reject or execute, and when a reason is required.

import { call } from "./api";
import type { Disposal, DisposalAlert, DisposalDue, DisposalFile, DisposalProposal } from "./types_dispose";

export const Dispose = {
  DueList: (companyId: number) => call<DisposalDue[] | null>("DisposeService", "DueList", companyId),
  DueCount: () => call<DisposalAlert>("DisposeService", "DueCount"),
  Propose: (p: DisposalProposal) => call<Disposal>("DisposeService", "Propose", p),
  Pending: (companyId: number) => call<Disposal[] | null>("DisposeService", "Pending", companyId),
  Records: (companyId: number) => call<Disposal[] | null>("DisposeService", "Records", companyId),
  Approve: (id: number) => call<Disposal>("DisposeService", "Approve", id),
  Reject: (id: number, reason: string) => call<Disposal>("DisposeService", "Reject", id, reason),
  Execute: (id: number) => call<Disposal>("DisposeService", "Execute", id),
  Certificate: (id: number) => call<DisposalFile>("DisposeService", "Certificate", id),
  FileRegister: (companyId: number) => call<DisposalFile>("DisposeService", "FileRegister", companyId),
};
