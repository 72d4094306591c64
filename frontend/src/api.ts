// api calls the Go services bound by Wails. It uses the same path the generated
// wailsjs/go/ui/<Service>.js files use — window.go.ui.<Service>.<Method>(...args) — so the
// build does not depend on generated files, and app/ui/webrpc can provide the same object in a
// plain browser.
//
// A bound method that fails rejects its promise with a string holding JSON
// {"code","ja","en","field"}; call() turns that into an ApiError.

import type {
  ActionLabel, Company, Department, Dependent, Employee, EmployeePage, EmployeeQuery, HandlerAssignment,
  HistoryFilter, HistoryPage, ImportInspection, ImportMapping, ImportPreset, ImportReport, MenuSection, Office,
  RecoveryKitView, SessionState, SetupRequest, TemporaryPassword, User, UserInput, VerifyResult,
} from "./contract.gen";
import { Code } from "./contract.gen";

/** ApiError is a failed bound call, with the user-safe texts from Go. */
export class ApiError extends Error {
  constructor(
    public code: string,
    public ja: string,
    public en: string,
    public field?: string,
  ) {
    super(en || ja || code);
  }
}

/** parseError turns whatever a rejected promise carried into an ApiError. */
export function parseError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  let raw: unknown = e;
  if (e instanceof Error) raw = e.message;
  if (typeof raw === "string") {
    const s = raw.trim();
    if (s.startsWith("{")) {
      try {
        raw = JSON.parse(s);
      } catch {
        /* not JSON: fall through to the raw text */
      }
    }
  }
  if (raw && typeof raw === "object") {
    const o = raw as Record<string, unknown>;
    if (typeof o.code === "string" || typeof o.ja === "string" || typeof o.en === "string") {
      return new ApiError(
        String(o.code ?? "internal"),
        String(o.ja ?? o.en ?? ""),
        String(o.en ?? o.ja ?? ""),
        typeof o.field === "string" && o.field !== "" ? o.field : undefined,
      );
    }
  }
  const text = typeof raw === "string" ? raw : String(raw);
  return unexpected(text);
}

/** unexpected wraps an error that did not come from our Go code (the webview's own, in the OS
 *  language, e.g. "Load failed" or a file that cannot be read) in a message in both languages,
 *  keeping the raw text as the detail to pass on. */
export function unexpected(detail: string): ApiError {
  return new ApiError(
    "internal",
    `予期しないエラーが発生しました。もう一度お試しください。繰り返す場合は、この内容をシステム管理者に伝えてください（詳細: ${detail}）`,
    `An unexpected error occurred. Please try again; if it happens again, tell your administrator (detail: ${detail}).`,
  );
}

/** Codes that mean the session, not the call, is the problem: the screen must change. */
const sessionCodeList = [Code.Locked, Code.SessionExpired, Code.Unauthenticated, Code.MustChangePassword] as const;
export type SessionCode = (typeof sessionCodeList)[number];
const sessionCodes: readonly string[] = sessionCodeList;

type SessionHook = (code: SessionCode) => void;
let sessionHook: SessionHook | null = null;

/** onSessionError registers the handler called when any call reports a locked, expired or
 *  missing session (the screen must change whatever the caller was doing). */
export function onSessionError(fn: SessionHook): void {
  sessionHook = fn;
}

/** stepUpHook asks the user for a fresh second factor and resolves true when given. The app
 *  registers ui/stepUp's dialog (onStepUp); api does not import the dialog, which itself calls
 *  the API (no import cycle). Without a hook a step-up refusal is thrown as it is. */
let stepUpHook: (() => Promise<boolean>) | null = null;

/** onStepUp registers the step-up dialog. */
export function onStepUp(fn: () => Promise<boolean>): void {
  stepUpHook = fn;
}

/** available reports whether the Go bindings are present (false in a bare browser). */
export function available(): boolean {
  return !!(window as any).go?.ui;
}

export async function call<T>(service: string, method: string, ...args: unknown[]): Promise<T> {
  const fn = (window as any).go?.ui?.[service]?.[method];
  if (typeof fn !== "function") {
    throw new ApiError(
      "unavailable",
      `アプリケーションとの接続がありません（${service}.${method}）。`,
      `The application backend is not connected (${service}.${method}).`,
    );
  }
  try {
    return (await fn(...args)) as T;
  } catch (e) {
    let err = parseError(e);
    // A reveal, bulk download or disposal needs a fresh second factor: ask, then retry once.
    if (err.code === Code.StepUpRequired && stepUpHook && (await stepUpHook())) {
      try {
        return (await fn(...args)) as T;
      } catch (e2) {
        err = parseError(e2);
      }
    }
    if (sessionHook && sessionCodes.includes(err.code)) sessionHook(err.code as SessionCode);
    throw err;
  }
}

export const Session = {
  State: () => call<SessionState>("SessionService", "State"),
  SetLanguage: (lang: string) => call<void>("SessionService", "SetLanguage", lang),
  Setup: (req: SetupRequest) => call<RecoveryKitView>("SessionService", "Setup", req),
  ConfirmRecoveryKit: (key: string) => call<void>("SessionService", "ConfirmRecoveryKit", key),
  RegenerateRecoveryKit: (password: string) =>
    call<RecoveryKitView>("SessionService", "RegenerateRecoveryKit", password),
  Login: (login: string, password: string) => call<SessionState>("SessionService", "Login", login, password),
  Logout: () => call<void>("SessionService", "Logout"),
  ChangePassword: (current: string, next: string) =>
    call<void>("SessionService", "ChangePassword", current, next),
  Lock: () => call<void>("SessionService", "Lock"),
  Unlock: (password: string) => call<void>("SessionService", "Unlock", password),
  Recover: (recoveryKey: string, login: string, newPassword: string) =>
    call<SessionState>("SessionService", "Recover", recoveryKey, login, newPassword),
  Menu: () => call<MenuSection[] | null>("SessionService", "Menu"),
  Touch: () => call<void>("SessionService", "Touch"),
};

export const Offices = {
  Get: () => call<Office>("OfficeService", "Get"),
  Update: (o: Office) => call<void>("OfficeService", "Update", o),
};

export const Users = {
  List: () => call<User[] | null>("UserService", "List"),
  Create: (u: UserInput) => call<TemporaryPassword>("UserService", "Create", u),
  Update: (u: UserInput) => call<User>("UserService", "Update", u),
  SetDisabled: (id: number, disabled: boolean) => call<void>("UserService", "SetDisabled", id, disabled),
  ResetPassword: (id: number) => call<TemporaryPassword>("UserService", "ResetPassword", id),
  Unlock: (id: number) => call<void>("UserService", "Unlock", id),
};

export const Companies = {
  List: (includeArchived: boolean) => call<Company[] | null>("CompanyService", "List", includeArchived),
  Get: (id: number) => call<Company>("CompanyService", "Get", id),
  Create: (c: Company) => call<Company>("CompanyService", "Create", c),
  Update: (c: Company) => call<Company>("CompanyService", "Update", c),
};

export const Handlers = {
  Get: (companyId: number) => call<HandlerAssignment>("HandlerService", "Get", companyId),
  Set: (companyId: number, managerIds: number[], handlerIds: number[]) =>
    call<HandlerAssignment>("HandlerService", "Set", companyId, managerIds, handlerIds),
};

export const History = {
  Query: (f: HistoryFilter) => call<HistoryPage>("HistoryService", "Query", f),
  Verify: () => call<VerifyResult>("HistoryService", "Verify"),
  Actions: () => call<ActionLabel[] | null>("HistoryService", "Actions"),
  Export: (f: HistoryFilter, format: string) =>
    call<{ fileName: string; contentType: string; data: string; rows: number }>("HistoryService", "Export", f, format),
};

/** Employees is 1-2 (EmployeeService). Files travel as base64 (a data: URL is accepted); a number
 *  is passed to SetNumber only and never returned in clear. */
export const Employees = {
  Departments: (companyId: number) => call<Department[] | null>("EmployeeService", "Departments", companyId),
  SaveDepartment: (d: Department) => call<Department>("EmployeeService", "SaveDepartment", d),
  DeleteDepartment: (companyId: number, id: number) => call<void>("EmployeeService", "DeleteDepartment", companyId, id),
  Employees: (q: EmployeeQuery) => call<EmployeePage>("EmployeeService", "Employees", q),
  GetEmployee: (companyId: number, id: number) => call<Employee>("EmployeeService", "GetEmployee", companyId, id),
  SaveEmployee: (e: Employee) => call<Employee>("EmployeeService", "SaveEmployee", e),
  DeleteEmployee: (companyId: number, id: number) => call<void>("EmployeeService", "DeleteEmployee", companyId, id),
  SaveDependent: (d: Dependent) => call<Dependent>("EmployeeService", "SaveDependent", d),
  DeleteDependent: (companyId: number, id: number) => call<void>("EmployeeService", "DeleteDependent", companyId, id),
  SetNumber: (companyId: number, personId: number, number: string, acceptDuplicate: boolean) =>
    call<void>("EmployeeService", "SetNumber", companyId, personId, number, acceptDuplicate),
  ImportInspect: (companyId: number, file: string) =>
    call<ImportInspection>("EmployeeService", "ImportInspect", companyId, file),
  ImportPreview: (companyId: number, file: string, m: ImportMapping) =>
    call<ImportReport>("EmployeeService", "ImportPreview", companyId, file, m),
  ImportCommit: (companyId: number, file: string, m: ImportMapping) =>
    call<ImportReport>("EmployeeService", "ImportCommit", companyId, file, m),
  Presets: (companyId: number) => call<ImportPreset[] | null>("EmployeeService", "Presets", companyId),
  SavePreset: (companyId: number, name: string, m: ImportMapping) =>
    call<ImportPreset>("EmployeeService", "SavePreset", companyId, name, m),
  DeletePreset: (companyId: number, id: number) => call<void>("EmployeeService", "DeletePreset", companyId, id),
};
