// Types of M-5 クラウド連携 and the online submissions of 1-3 STEP2 (app/ui/sync*.go).
// Numbers arrive masked only.

export interface SyncStatus {
  enrolled: boolean;
  url: string;
  office: string;
  pending: number;
  failed: number;
  inbox: number;
  companies: string[] | null;
  lastSync: string;
  lastError: string;
  appPending: number;
}

export interface SyncEnrolInput {
  url: string;
  caPem: string;
  token: string;
}

export interface SyncPublished {
  relayCompany: string;
  portalUrl: string;
}

export interface SyncCompany {
  id: number;
  code: string;
  name: string;
  relayCompany: string;
}

export interface SyncImported {
  imported: number;
  duplicates: number;
  quarantined: number;
  reasons: string[] | null;
  offline: boolean;
}

export interface SyncDependent {
  name: string;
  relation: string;
  birthDate: string;
  masked: string;
  personId: number;
}

export interface SyncImageInfo {
  index: number;
  name: string;
  contentType: string;
  size: number;
}

export interface SyncSubmission {
  id: number;
  employeeId: number;
  employeeCode: string;
  name: string;
  submittedAt: string;
  masked: string;
  dependents: SyncDependent[] | null;
  images: SyncImageInfo[] | null;
  acknowledged: string[] | null;
}

export interface SyncAcceptInput {
  companyId: number;
  submissionId: number;
  numberDoc: string;
  identityDocs: string[];
  imageKinds: string[];
  acceptDuplicates: number[];
}

export interface SyncAccepted {
  checkId: number;
  status: string;
  masked: Record<string, string> | null;
  missing: number;
  unmatched: number;
}
