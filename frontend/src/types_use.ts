// Mirrors of app/ui/use.go (3-1, UseService; JSON names). Keep in step with the Go contract.

export interface UsePeopleQuery {
  companyId: number;
  search: string;
  departmentId: number;
  kind: string; // "", "employee", "dependent"
  status: string; // "", "active", "left"
  withNumber: boolean;
  offset: number;
  limit: number;
  /** sort is a column key Go knows ("" = by code); desc reverses it. */
  sort?: string;
  desc?: boolean;
}

/** UsePerson is one row: an employee, each followed by their dependents. The number is masked. */
export interface UsePerson {
  id: number;
  kind: string;
  employeeId: number;
  employeeCode: string;
  name: string;
  nameKana: string;
  birthDate: string;
  birthDateJa: string;
  relation: string;
  relationJa: string;
  department: string;
  leftOn: string;
  hasNumber: boolean;
  maskedNumber: string;
  purposes: string[] | null;
}

export interface UsePeoplePage {
  people: UsePerson[] | null;
  total: number;
}

export interface UsePurpose {
  code: string;
  labelJa: string;
  labelEn: string;
  notifiedAt: string;
  needsReason: boolean;
}

export interface RevealRequest {
  personId: number;
  purpose: string;
  reason: string;
}

/** RevealedNumber holds a number in clear: render it and drop the object at once. */
export interface RevealedNumber {
  personId: number;
  number: string;
  formatted: string;
  purpose: string;
  revealedAt: string;
  hideAt: string;
  hideAfterSeconds: number;
}

export interface CorporateNumberView {
  companyId: number;
  companyName: string;
  number: string;
  formatted: string;
}

export interface FormatColumn {
  field: string;
  title: string;
  maxWidth: number;
  noSpaces: boolean;
}

export interface DownloadFormat {
  id: number;
  preset: string;
  name: string;
  columns: FormatColumn[] | null;
  encoding: string; // "cp932" | "utf8bom"
  header: boolean;
  dates: string; // "western" | "wareki"
  lineEnding: string; // "crlf" | "lf"
  updatedAt: string;
  noteJa: string;
  noteEn: string;
}

export interface FormatField {
  field: string;
  labelJa: string;
  labelEn: string;
}

export interface NumberDownloadRequest {
  companyId: number;
  formatId: number;
  preset: string;
  personIds: number[];
  all: boolean;
  includeDependents: boolean;
  purpose: string;
  fileType: string; // "csv" | "xlsx"
  filePassword: string;
  password: string;
  /** substitute / omit: the user's choice for rows the format cannot hold as they are. */
  substitute: boolean;
  omit: boolean;
}

export interface SkippedPerson {
  personId: number;
  reason: string; // "not_notified", "no_number", "disposed"
  employeeCode: string;
  name: string;
  relation: string;
}

/** DownloadProblem is a value of one person the format cannot hold as it is. */
export interface DownloadProblem {
  personId: number;
  employeeCode: string;
  name: string;
  relation: string;
  column: string;
  kind: string; // "unencodable" | "too_long"
  written: string;
  messageJa: string;
  messageEn: string;
}

/** NumberDownload is the file to save (data: base64); drop it once saved. With problems, nothing
 *  was written: the user chooses and asks again. */
export interface NumberDownload {
  fileName: string;
  contentType: string;
  data: string;
  rows: number;
  skipped: SkippedPerson[] | null;
  problems: DownloadProblem[] | null;
  substituted: DownloadProblem[] | null;
  omitted: DownloadProblem[] | null;
}

/** PurposeLabel is one 利用目的 of the catalogue (CollectService.Purposes). */
export interface PurposeLabel {
  code: string;
  ja: string;
  en: string;
}
