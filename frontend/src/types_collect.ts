// 1-3 取得管理 (app/ui/collect_types.go, JSON names). Keep in step with the Go contract. No
// type here carries a My Number in clear: numbers only travel from an input to RegisterNumbers
// and come back masked.

/** CollectLabel is a code with its Japanese and English names. */
export interface CollectLabel {
  code: string;
  ja: string;
  en: string;
}

/** CollectDocKind is one kind of identity document and what it may be used for. */
export interface CollectDocKind extends CollectLabel {
  number: boolean;
  identity: boolean;
  photo: boolean;
  alone: boolean;
  refused: boolean;
  unconfirmed: boolean;
  channels: string[] | null;
}

export interface CollectRules {
  channels: CollectLabel[] | null;
  documents: CollectDocKind[] | null;
  statuses: CollectLabel[] | null;
  maxImageBytes: number;
  maxImages: number;
  contentTypes: string[] | null;
}

export interface CollectSubmission {
  channel: string;
  numberDoc: string;
  identityDocs: string[];
  cardDetails: string;
  imageKinds: string[];
}

export interface CollectProblem {
  code: string;
  field: string;
  ja: string;
  en: string;
}

export interface CollectRequestInput {
  companyId: number;
  title: string;
  employeeIds: number[];
  purposes: string[];
  sender: string;
  inPerson: string;
  mail: string;
  online: boolean;
  contact: string;
  deadline: string;
  validDays: number;
  filePassword: string;
  /** perEmployee: one workbook per employee in a .zip, instead of one sheet each (≤ 200). */
  perEmployee: boolean;
}

export interface CollectReissueInput {
  companyId: number;
  requestId: number;
  employeeIds: number[];
  validDays: number;
  filePassword: string;
  /** perEmployee: one workbook per employee in a .zip, instead of one sheet each (≤ 200). */
  perEmployee: boolean;
}

/** CollectFile is a file for the browser to save; data is standard base64. */
export interface CollectFile {
  fileName: string;
  contentType: string;
  data: string;
}

export interface CollectNotice {
  requestId: number;
  letters: number;
  persons: number;
  expiresAt: string;
  /** hasPasswords: the letters carry one-time passwords (online form offered). */
  hasPasswords: boolean;
  file: CollectFile;
}

export interface CollectRequest {
  id: number;
  title: string;
  createdAt: string;
  createdBy: string;
  purposes: string[] | null;
  online: boolean;
  deadline: string;
  targets: number;
  counts: Record<string, number> | null;
}

export interface CollectImage {
  kind: string;
  contentType: string;
  data: string;
}

export interface CollectCheckInput extends CollectSubmission {
  companyId: number;
  personId: number;
  sendBack: boolean;
  reason: string;
  images: CollectImage[];
}

export interface CollectCheckResult {
  checkId: number;
  status: string;
  documentIds: number[] | null;
}

export interface CollectNumber {
  personId: number;
  number: string;
}

export interface CollectNumbersInput {
  companyId: number;
  employeeId: number;
  numbers: CollectNumber[];
  acceptDuplicates: number[];
}

export interface CollectRegistered {
  employeeId: number;
  changed: number;
  missing: number;
  status: string;
  masked: Record<string, string> | null;
}

export interface CollectBoardFilter {
  companyId: number;
  status: string;
  search: string;
  pendingDays: number;
  includeLeft: boolean;
  offset: number;
  limit: number;
  /** sort is "" or "code", "name", "department", "status", "waiting"; desc reverses it. */
  sort?: string;
  desc?: boolean;
}

export interface CollectBoardRow {
  employeeId: number;
  code: string;
  name: string;
  nameKana: string;
  department: string;
  leftOn: string;
  status: string;
  requestId: number;
  requestTitle: string;
  notifiedAt: string;
  reminders: number;
  lastRemindedAt: string;
  daysWaiting: number;
  dependents: number;
  missing: number;
  hasNumber: boolean;
  returnedReason: string;
  refusedReason: string;
  /** The other installation's office when this status came from it (shared company). */
  sharedFrom: string;
  refusedAt: string;
}

export interface CollectBoard {
  counts: Record<string, number> | null;
  total: number;
  rows: CollectBoardRow[] | null;
}

export interface CollectRefusal {
  requestId: number;
  requestTitle: string;
  employeeId: number;
  employeeCode: string;
  name: string;
  department: string;
  requestedAt: string;
  remindedAt: string[] | null;
  refusedAt: string;
  reason: string;
}
