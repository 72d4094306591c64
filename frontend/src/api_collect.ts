// api_collect calls 1-3 取得管理 (CollectService). Files travel as base64 in CollectFile; a
// number goes to RegisterNumbers only and comes back masked.

import { bound } from "./bound";
import type {
  CollectBoardFilter, CollectCheckInput, CollectNumbersInput, CollectReissueInput, CollectRequestInput,
  CollectSubmission,
} from "./contract.gen";

const svc = "CollectService";

export const Collect = {
  Rules: () => bound(svc, "Rules"),
  Purposes: () => bound(svc, "Purposes"),
  Evaluate: (s: CollectSubmission) => bound(svc, "Evaluate", s),
  CreateRequest: (r: CollectRequestInput) => bound(svc, "CreateRequest", r),
  Reissue: (r: CollectReissueInput) => bound(svc, "Reissue", r),
  Requests: (companyId: number) => bound(svc, "Requests", companyId),
  MarkSubmitted: (companyId: number, employeeId: number) => bound(svc, "MarkSubmitted", companyId, employeeId),
  SendBack: (companyId: number, employeeId: number, reason: string) =>
    bound(svc, "SendBack", companyId, employeeId, reason),
  Refuse: (companyId: number, employeeId: number, reason: string) =>
    bound(svc, "Refuse", companyId, employeeId, reason),
  RecordCheck: (c: CollectCheckInput) => bound(svc, "RecordCheck", c),
  RegisterNumbers: (n: CollectNumbersInput) => bound(svc, "RegisterNumbers", n),
  StatusBoard: (f: CollectBoardFilter) => bound(svc, "StatusBoard", f),
  RefusalRecord: (companyId: number) => bound(svc, "RefusalRecord", companyId),
  ExportRefusalRecord: (companyId: number, encoding: "utf8bom" | "cp932") =>
    bound(svc, "ExportRefusalRecord", companyId, encoding),
};
