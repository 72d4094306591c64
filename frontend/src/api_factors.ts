// 二要素認証 calls (FactorService). A PIN or password is passed in the call only and never kept.

import { bound } from "./bound";
import type { FactorEnrolRequest, FactorRequest } from "./contract.gen";

export const Factors = {
  Status: () => bound("FactorService", "Status"),
  Readers: () => bound("FactorService", "Readers"),
  JPKIRetries: (reader: string) => bound("FactorService", "JPKIRetries", reader),
  CancelVein: () => bound("FactorService", "CancelVein"),
  Login: (req: FactorRequest) => bound("FactorService", "Login", req),
  Unlock: (req: FactorRequest) => bound("FactorService", "Unlock", req),
  StepUp: (req: FactorRequest) => bound("FactorService", "StepUp", req),
  StepUpPassword: (password: string) => bound("FactorService", "StepUpPassword", password),
  Enrol: (req: FactorEnrolRequest) => bound("FactorService", "Enrol", req),
  Remove: (factorId: number, password: string) => bound("FactorService", "Remove", factorId, password),
  AllFactors: () => bound("FactorService", "AllFactors"),
  Settings: () => bound("FactorService", "Settings"),
  SetPolicy: (policy: string, reason: string) => bound("FactorService", "SetPolicy", policy, reason),
  SetTrustAnchors: (pem: string) => bound("FactorService", "SetTrustAnchors", pem),
};
