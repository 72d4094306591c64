// 二要素認証 calls (FactorService). A PIN or password is passed in the call only and never kept.

import { call } from "./api";
import type { SessionState } from "./types";
import type {
  FactorEnrolRequest, FactorRequest, FactorSettings, FactorStatus, FactorView, UserFactors,
} from "./types_factors";

export const Factors = {
  Status: () => call<FactorStatus>("FactorService", "Status"),
  Readers: () => call<string[] | null>("FactorService", "Readers"),
  JPKIRetries: (reader: string) => call<number>("FactorService", "JPKIRetries", reader),
  CancelVein: () => call<void>("FactorService", "CancelVein"),
  Login: (req: FactorRequest) => call<SessionState>("FactorService", "Login", req),
  Unlock: (req: FactorRequest) => call<void>("FactorService", "Unlock", req),
  StepUp: (req: FactorRequest) => call<void>("FactorService", "StepUp", req),
  StepUpPassword: (password: string) => call<void>("FactorService", "StepUpPassword", password),
  Enrol: (req: FactorEnrolRequest) => call<FactorView>("FactorService", "Enrol", req),
  Remove: (factorId: number, password: string) => call<void>("FactorService", "Remove", factorId, password),
  AllFactors: () => call<UserFactors[] | null>("FactorService", "AllFactors"),
  Settings: () => call<FactorSettings>("FactorService", "Settings"),
  SetPolicy: (policy: string, reason: string) => call<void>("FactorService", "SetPolicy", policy, reason),
  SetTrustAnchors: (pem: string) => call<FactorSettings>("FactorService", "SetTrustAnchors", pem),
};
