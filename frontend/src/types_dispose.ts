// Mirrors of app/ui/dispose.go (4-1, DisposeService; JSON names). Keep in step with the Go
// contract. None of these holds a number: Go never returns one from 4-1.

import type { UserRef } from "./types";

export interface DisposalDocument {
  type: string;
  labelJa: string;
  labelEn: string;
}

/** DisposalDue is one line of the due list: an employee who has left (with their dependents). */
export interface DisposalDue {
  personId: number;
  employeeCode: string;
  name: string;
  nameKana: string;
  leftOn: string;
  dependents: number;
  documents: DisposalDocument[] | null;
  assumedPurposes: boolean;
  due: string;
  dueJa: string;
  deadline: string;
  ready: boolean;
  overdue: boolean;
  reasonCode: string;
  reasonJa: string;
  reasonEn: string;
  pendingDisposalId: number;
}

export interface DisposalCompanyAlert {
  companyId: number;
  companyName: string;
  ready: number;
  overdue: number;
  awaitingApproval: number;
  awaitingExecution: number;
}

/** DisposalAlert is the home screen's alert over the companies the user is assigned to. */
export interface DisposalAlert {
  ready: number;
  overdue: number;
  awaitingApproval: number;
  awaitingExecution: number;
  companies: DisposalCompanyAlert[] | null;
}

export interface DisposalProposal {
  companyId: number;
  personIds: number[];
  method: string; // "shred" | "mask_number"
  reason: string;
  keepDependents: boolean;
}

export interface DisposalItem {
  personId: number;
  employeeCode: string;
  name: string;
  relation: string;
  fileKinds: string[] | null;
  fileKindsJa: string[] | null;
  fileKindsEn: string[] | null;
}

/** Disposal is one disposal; status "proposed", "approved", "rejected" or "executed". */
export interface Disposal {
  id: number;
  companyId: number;
  companyName: string;
  status: string;
  method: string;
  reason: string;
  proposedBy: UserRef;
  proposedAt: string;
  approvedBy?: UserRef | null;
  approvedAt: string;
  decisionNote: string;
  executedBy?: UserRef | null;
  executedAt: string;
  certificateNo: string;
  items: DisposalItem[] | null;
}

/** DisposalFile is a workbook to save (data: base64); drop it once saved. */
export interface DisposalFile {
  fileName: string;
  contentType: string;
  data: string;
}
