// 3-1 法人・個人マイナンバー照会 (UseService). A number comes back in clear only from Reveal and
// inside a Download file; callers render or save it at once and keep no copy.

import { call } from "./api";
import type {
  CorporateNumberView, DownloadFormat, FormatField, NumberDownload, NumberDownloadRequest, PurposeLabel, RevealRequest,
  RevealedNumber, UsePeoplePage, UsePeopleQuery, UsePurpose,
} from "./types_use";

export const Use = {
  People: (q: UsePeopleQuery) => call<UsePeoplePage>("UseService", "People", q),
  Purposes: (personId: number) => call<UsePurpose[] | null>("UseService", "Purposes", personId),
  Reveal: (req: RevealRequest) => call<RevealedNumber>("UseService", "Reveal", req),
  RecordCopy: (personId: number) => call<void>("UseService", "RecordCopy", personId),
  CorporateNumber: (companyId: number) => call<CorporateNumberView>("UseService", "CorporateNumber", companyId),
  FormatFields: () => call<FormatField[] | null>("UseService", "FormatFields"),
  Formats: (companyId: number) => call<DownloadFormat[] | null>("UseService", "Formats", companyId),
  SaveFormat: (companyId: number, f: DownloadFormat) => call<DownloadFormat>("UseService", "SaveFormat", companyId, f),
  DeleteFormat: (companyId: number, id: number) => call<void>("UseService", "DeleteFormat", companyId, id),
  Download: (req: NumberDownloadRequest) => call<NumberDownload>("UseService", "Download", req),
  /** AllPurposes is the catalogue of 利用目的 (for the download's purpose choice). */
  AllPurposes: () => call<PurposeLabel[] | null>("CollectService", "Purposes"),
};
