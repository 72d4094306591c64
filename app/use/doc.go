// Package use is 3-1 法人・個人マイナンバー照会: looking numbers up (利用) and handing them over
// in files (提供, 持出し). Only the company's 事務取扱責任者 and 事務取扱担当者 may use it; the
// system administrator may not unless assigned to the company.
//
// # Revealing a number
//
// Lists show numbers masked ("**** **** 9018", [Service.People]). To see one in full the user
// picks a purpose (利用目的) from [Service.PurposesFor]: the purposes notified to that very person
// (person_purposes, written by collection, 1-3), plus [PurposeOther] with a typed reason of at
// least [MinReasonLen] characters. [Service.Reveal] refuses any other purpose. The reveal and its
// audit entry (audit.ActionView, Purpose = the code) are one transaction: the number is decrypted
// inside it and handed to the caller only after the entry has committed, so if the history
// cannot be written no number leaves the vault (fail closed). A refused reveal is itself
// recorded (result "denied").
//
// An "その他" reveal is flagged for 2-1 by its Purpose "OTHER"; the reason is stored in the
// entry's Detail, redacted (every digit replaced when it could hold a number).
//
// The returned [Revealed] carries HideAfter ([DefaultHideAfter], 30 seconds): the frontend hides
// the number again after that time. The reveal time is the entry's time, so Go knows it too:
// [Service.RecordCopy], which the frontend calls when the user copies the number, is accepted
// only within HideAfter of a reveal of the same person by the same user, and is recorded as a
// 持出し (audit.ActionExport, target "person", detail "copied to clipboard") with the purpose of
// that reveal. (audit has no separate copy action; a copy to the clipboard can leave the
// controlled area, which is what 持出し means in the guideline, 別添 E-c.)
//
// 法人番号 are public (国税庁 法人番号公表サイト): [Service.CorporateNumber] shows a company's
// without a purpose, and still records the view.
//
// # Downloads
//
// A [Format] (ダウンロードフォーマット) names the columns and their order, the encoding (CP932
// or UTF-8 with BOM), whether a header row is written, 西暦 or 和暦 dates (through app/jpdate),
// and CRLF or LF line ends. Formats are saved per company ([Service.SaveFormat]); built-in
// presets ([Presets]) need no saving, among them the 弥生給与 My Number import layout
// ([PresetYayoi], see its documentation for what is confirmed).
//
// [Service.Download] writes the selected people as CSV, or as an .xlsx workbook encrypted with a
// password (required). Rules:
//
//   - The purpose is a known code other than OTHER: a file that leaves the vault must serve a
//     purpose notified to every person in it.
//   - People whose notified purposes do not include it are skipped, not refused, and so are
//     people without a number (never registered, or disposed of): the result and the audit
//     entry count them, and the result lists them by id, so the user sees who is missing.
//     A selection that leaves no row is refused.
//   - A bulk download (more than one person selected, all people, or an employee with their
//     dependents) needs the user's login password again. It is checked by unlocking the vault
//     with it (app/vault) and is never stored or logged. After [MaxStepUpFailures] wrong
//     passwords in a row the session is locked, so that further guesses go through the
//     session unlock, which counts towards the account lockout.
//   - Every download is one audit.ActionExport entry (持出し) with the purpose in Purpose and
//     the format, file type, row count, skipped counts and person ids in Detail, written in
//     the same transaction that reads the numbers. The file is built inside that transaction,
//     so a CP932 encoding problem (reported with row and column, [*EncodingError]) refuses
//     the download before anything is recorded as taken out.
//
// The file is returned as bytes; this package writes no file and no temporary file.
//
// # Workstations
//
// An office may limit the workstations that handle numbers (app/terminal, 取扱端末の限定).
// Right after the role check, inside the use case's transaction, [Service.Reveal] needs this
// workstation's reveal right, [Service.Download] its download right (every download holds
// numbers: a [Format] has the number column exactly once), and [Service.RecordCopy] both (the
// copy shows a revealed number and takes it out). A refusal is a forbidden error that says
// why and where to go instead, recorded as a denied entry ("reveal refused: not permitted on
// this terminal", "download refused: …", "copy refused: …"). A download is refused before its
// password check, and again in the transaction that reads the numbers. The lists (masked),
// purposes, formats and 法人番号 stay open on every workstation.
//
// # What it must never do
//
// Put a number in an audit entry, an error or a log line (ids, codes and counts only); show a
// number without a recorded purpose; keep a password; let a user of another company, or an
// administrator who is not assigned, reach any of it.
package use
