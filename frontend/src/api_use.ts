// 3-1 法人・個人マイナンバー照会 (UseService). A number comes back in clear only from Reveal and
// inside a Download file; callers render or save it at once and keep no copy.

import { bound } from "./bound";
import type { DownloadFormat, NumberDownloadRequest, RevealRequest, UsePeopleQuery } from "./contract.gen";

export const Use = {
  People: (q: UsePeopleQuery) => bound("UseService", "People", q),
  Purposes: (personId: number) => bound("UseService", "Purposes", personId),
  Reveal: (req: RevealRequest) => bound("UseService", "Reveal", req),
  RecordCopy: (personId: number) => bound("UseService", "RecordCopy", personId),
  CorporateNumber: (companyId: number) => bound("UseService", "CorporateNumber", companyId),
  FormatFields: () => bound("UseService", "FormatFields"),
  Formats: (companyId: number) => bound("UseService", "Formats", companyId),
  SaveFormat: (companyId: number, f: DownloadFormat) => bound("UseService", "SaveFormat", companyId, f),
  DeleteFormat: (companyId: number, id: number) => bound("UseService", "DeleteFormat", companyId, id),
  Download: (req: NumberDownloadRequest) => bound("UseService", "Download", req),
  /** AllPurposes is the catalogue of 利用目的 (for the download's purpose choice). */
  AllPurposes: () => bound("CollectService", "Purposes"),
};
