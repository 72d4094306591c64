// Mirrors of app/ui/types.go (JSON names). Keep in step with the Go contract.

export interface ErrorInfo {
  code: string;
  ja: string;
  en: string;
  field?: string;
}

export interface UserInfo {
  id: number;
  login: string;
  displayName: string;
  isAdmin: boolean;
}

export interface OfficeInfo {
  name: string;
  kind: string;
}

export interface SessionState {
  appName: string;
  version: string;
  initialized: boolean;
  loggedIn: boolean;
  locked: boolean;
  mustChangePassword: boolean;
  recoveryKitPending: boolean;
  /** backupDue: an administrator is logged in and the last backup set is old (or there is none). */
  backupDue?: boolean;
  user?: UserInfo | null;
  office?: OfficeInfo | null;
  previousIn: string;
  previousOut: string;
  idleMinutes: number;
  absoluteHours: number;
  lang: string;
  problem?: ErrorInfo | null;
}

export interface Office {
  name: string;
  nameKana: string;
  kind: string;
  corporateNumber: string;
  postalCode: string;
  address: string;
  phone: string;
  representative: string;
}

export interface SetupRequest {
  office: Office;
  adminLogin: string;
  adminName: string;
  password: string;
}

export interface RecoveryKitView {
  vaultId: string;
  key: string;
  createdAt: string;
  officeName: string;
  text: string;
}

export interface CompanyRole {
  companyId: number;
  companyName: string;
  role: string;
}

export interface User {
  id: number;
  login: string;
  displayName: string;
  email: string;
  isAdmin: boolean;
  disabled: boolean;
  mustChangePassword: boolean;
  locked: boolean;
  lastIn: string;
  lastOut: string;
  roles: CompanyRole[] | null;
}

export interface UserInput {
  id: number;
  login: string;
  displayName: string;
  email: string;
  isAdmin: boolean;
}

export interface TemporaryPassword {
  user: User;
  password: string;
  expiresAt: string;
}

export interface Company {
  id: number;
  code: string;
  name: string;
  nameKana: string;
  corporateNumber: string;
  postalCode: string;
  address: string;
  phone: string;
  representative: string;
  consignFrom: string;
  consignTo: string;
  note: string;
  archived: boolean;
  managers: number;
  handlers: number;
}

export interface UserRef {
  id: number;
  login: string;
  displayName: string;
  disabled: boolean;
}

export interface HandlerAssignment {
  companyId: number;
  companyName: string;
  managers: UserRef[] | null;
  handlers: UserRef[] | null;
  candidates: UserRef[] | null;
}

export interface HistoryFilter {
  companyId: number;
  userId: number;
  action: string;
  from: string;
  to: string;
  beforeId: number;
  limit: number;
}

export interface HistoryEntry {
  id: number;
  time: string;
  login: string;
  workstation: string;
  action: string;
  actionJa: string;
  actionEn: string;
  companyId: number;
  companyName: string;
  targetType: string;
  targetId: string;
  purpose: string;
  result: string;
  detail: string;
  /** What a supervisor reads, in the UI language (Go's app/history); empty for a peer's entry. */
  userLabel: string;
  targetLabel: string;
  purposeLabel: string;
  resultLabel: string;
  detailText: string;
  /** source is "" for this installation's entries, or the peer installation's name (取扱元). */
  source?: string;
}

export interface HistoryPage {
  entries: HistoryEntry[] | null;
  nextBeforeId: number;
  total: number;
}

export interface VerifyResult {
  entries: number;
  ok: boolean;
  firstBroken: number;
  reasonJa: string;
  reasonEn: string;
  /** anchors: the relay's records of this history compared (0: none); anchoredAt: the newest. */
  anchors?: number;
  anchoredAt?: string;
  /** diverged: the relay's records from the last restore (#restoredAt) on, of the history before it. */
  diverged?: number;
  restoredAt?: number;
}

export interface ActionLabel {
  value: string;
  ja: string;
  en: string;
}

export interface MenuItem {
  id: string;
  titleJa: string;
  titleEn: string;
  summaryJa: string;
  summaryEn: string;
  pointJa: string;
  pointEn: string;
  available: boolean;
  enabled: boolean;
  reasonJa: string;
  reasonEn: string;
}

export interface MenuSection {
  id: string;
  titleJa: string;
  titleEn: string;
  items: MenuItem[] | null;
}

// 1-2 法人マイナンバー・従業員設定 (app/ui/employees.go). Numbers only ever arrive masked.

export interface Department {
  id: number;
  companyId: number;
  parentId: number;
  code: string;
  name: string;
  depth: number;
  path: string;
  employees: number;
  children: number;
}

export interface Dependent {
  id: number;
  companyId: number;
  employeeId: number;
  relation: string;
  relationLabel: string;
  name: string;
  nameKana: string;
  birthDate: string;
  sex: string;
  hasNumber: boolean;
  maskedNumber: string;
  updatedAt: string;
}

/** FieldWarning is something unlikely about a saved record, for the clerk to check. */
export interface FieldWarning {
  field: string;
  message: string;
}

export interface Employee {
  id: number;
  companyId: number;
  code: string;
  name: string;
  nameKana: string;
  birthDate: string;
  sex: string;
  departmentId: number;
  departmentName: string;
  hiredOn: string;
  leftOn: string;
  email: string;
  phone: string;
  hasNumber: boolean;
  maskedNumber: string;
  dependentCount: number;
  dependents: Dependent[] | null;
  updatedAt: string;
  /** warnings: plausibility warnings (hired before birth, under 15 at hire), in the UI language. */
  warnings: FieldWarning[] | null;
}

export interface EmployeeQuery {
  companyId: number;
  search: string;
  departmentId: number;
  status: string;
  offset: number;
  limit: number;
  /** sort is a column key Go knows ("" = by code); desc reverses it. */
  sort?: string;
  desc?: boolean;
}

export interface EmployeePage {
  employees: Employee[] | null;
  total: number;
}

export interface ImportColumn {
  field: string;
  header: string;
  index: number;
}

export interface ImportMapping {
  noHeader: boolean;
  columns: ImportColumn[] | null;
}

export interface ImportField {
  field: string;
  header: string;
  required: boolean;
  ja: string;
  en: string;
}

export interface ImportInspection {
  encoding: string;
  delimiter: string;
  header: string[] | null;
  sample: string[][] | null;
  rows: number;
  guess: ImportMapping;
  fields: ImportField[] | null;
}

export interface ImportProblem {
  line: number;
  column: string;
  field: string;
  code: string;
  ja: string;
  en: string;
}

export interface ImportReport {
  encoding: string;
  rows: number;
  added: number;
  updated: number;
  unchanged: number;
  /** 扶養親族 of the file: to add, to update, already registered as they are. */
  dependentsAdded: number;
  dependentsUpdated: number;
  dependentsUnchanged: number;
  rejected: number;
  /** numbers to register (or registered): employees' and dependents'. */
  numbers: number;
  newDepartments: string[] | null;
  problems: ImportProblem[] | null;
  problemsTotal: number;
  /** warnings do not stop the import: dates that are unlikely, for the clerk to check. */
  warnings: ImportProblem[] | null;
  warningsTotal: number;
  committed: boolean;
}

export interface ImportPreset {
  id: number;
  companyId: number;
  name: string;
  mapping: ImportMapping;
  updatedAt: string;
}
