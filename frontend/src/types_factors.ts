// Types of 二要素認証 (FactorService, app/ui/factors.go). No UID, template or key ever reaches here.

export type FactorKind = "vein" | "card" | "jpki";

export interface FactorView {
  id: number;
  kind: FactorKind;
  label: string;
  created: string;
  lastUsed: string;
  sensor?: string;
  subject?: string;
  notAfter?: string;
  fingerprint?: string;
}

export interface FactorStatus {
  /** "" login complete, "factor" choose a factor to finish the login, "enrol" enrol one first. */
  step: "" | "factor" | "enrol";
  loggedIn: boolean;
  locked: boolean;
  factors: FactorView[] | null;
  policy: "required" | "optional";
  unlockByFactor: boolean;
  stepUpWith: "factor" | "password";
  isAdmin: boolean;
}

export interface FactorRequest {
  factorId: number;
  reader: string;
  pin: string;
  allowLastTry: boolean;
}

export interface FactorEnrolRequest {
  kind: FactorKind | "";
  label: string;
  password: string;
  reader: string;
  pin: string;
  allowLastTry: boolean;
}

export interface TrustAnchorView {
  subject: string;
  notAfter: string;
  fingerprint: string;
}

export interface FactorSettings {
  policy: "required" | "optional";
  anchors: string;
  list: TrustAnchorView[] | null;
}

export interface UserFactors {
  userId: number;
  login: string;
  displayName: string;
  factors: FactorView[] | null;
}
