// api_collect calls 1-3 取得管理 (CollectService). Files travel as base64 in CollectFile; a
// number goes to RegisterNumbers only and comes back masked.

import { call } from "./api";
import type {
  CollectBoard, CollectBoardFilter, CollectCheckInput, CollectCheckResult, CollectFile, CollectLabel, CollectNotice,
  CollectNumbersInput, CollectProblem, CollectRefusal, CollectRegistered, CollectReissueInput, CollectRequest,
  CollectRequestInput, CollectRules, CollectSubmission,
} from "./types_collect";

const svc = "CollectService";

export const Collect = {
  Rules: () => call<CollectRules>(svc, "Rules"),
  Purposes: () => call<CollectLabel[] | null>(svc, "Purposes"),
  Evaluate: (s: CollectSubmission) => call<CollectProblem[] | null>(svc, "Evaluate", s),
  CreateRequest: (r: CollectRequestInput) => call<CollectNotice>(svc, "CreateRequest", r),
  Reissue: (r: CollectReissueInput) => call<CollectNotice>(svc, "Reissue", r),
  Requests: (companyId: number) => call<CollectRequest[] | null>(svc, "Requests", companyId),
  MarkSubmitted: (companyId: number, employeeId: number) => call<string>(svc, "MarkSubmitted", companyId, employeeId),
  SendBack: (companyId: number, employeeId: number, reason: string) =>
    call<string>(svc, "SendBack", companyId, employeeId, reason),
  Refuse: (companyId: number, employeeId: number, reason: string) =>
    call<string>(svc, "Refuse", companyId, employeeId, reason),
  RecordCheck: (c: CollectCheckInput) => call<CollectCheckResult>(svc, "RecordCheck", c),
  RegisterNumbers: (n: CollectNumbersInput) => call<CollectRegistered>(svc, "RegisterNumbers", n),
  StatusBoard: (f: CollectBoardFilter) => call<CollectBoard>(svc, "StatusBoard", f),
  RefusalRecord: (companyId: number) => call<CollectRefusal[] | null>(svc, "RefusalRecord", companyId),
  ExportRefusalRecord: (companyId: number, encoding: "utf8bom" | "cp932") =>
    call<CollectFile>(svc, "ExportRefusalRecord", companyId, encoding),
};
