// Package dispose is 4-1 廃棄処理 / 廃棄証明書: it decides when a My Number may be disposed of
// (the retention rules, 保存期間: pure functions over plain structs) and carries out disposals
// in the vault ([Service]).
//
// # The rule
//
// The PPC guideline (事業者編, 別添 安全管理措置 E-d) says: once the 個人番号関係事務 no
// longer needs the number and the retention period that the governing law sets for the
// documents that carry it has passed, the number must be deleted as soon as possible
// (できるだけ速やかに) by a means that cannot be undone. While the person is employed the number is
// still needed (源泉徴収票 every year), so [PersonDue] never says "due" for an employee who
// has not left. See [Rules] for the documents and periods, [DueDate] for one document,
// [PersonDue] for a person and [DueList] for the 4-1 list.
//
// # Retention periods
//
//	document                                  period  from                                      basis
//	扶養控除等(異動)申告書 and the other           7 years 提出期限の属する年の翌年1月10日の翌日 (1/11)  所得税法施行規則 76条の3 (article number unconfirmed)
//	  源泉徴収関係申告書
//	健康保険・厚生年金保険に関する書類               2 years 完結の日                                   健康保険法施行規則 34条, 厚生年金保険法施行規則 28条
//	雇用保険の被保険者に関する書類                  4 years 完結の日 (被保険者が在籍しなくなった日)          雇用保険法施行規則 143条
//	雇用保険に関するその他の書類                    2 years 完結の日                                   雇用保険法施行規則 143条
//	労災保険に関する書類                           3 years 完結の日                                   労働者災害補償保険法施行規則 51条
//	源泉徴収票（事業者控え）                        7 years 翌年1月11日                               none confirmed: an office policy
//
// The last row is not law: no statutory retention period for the employer's copy of the
// 源泉徴収票 could be confirmed (blogs say 7 years, without a basis). [Rule.Statutory] is false
// for it and an office may change its Years in its [Policy]. The article number of the
// 所得税法施行規則 rule is also unconfirmed; the period and its start are confirmed by several sources.
// All of these must be checked against the primary texts before release (see
// shared/reference/compliance.md §4).
//
// # Counting days
//
// Periods are counted as 民法 138–143条 count them. A period that starts on a stated day
// ("1月10日の翌日から") counts that day; a period that runs from an event during a day
// ("完結の日から") does not count the day of the event (初日不算入, 民法140条) and starts the next day.
// A period of years ends on the day before the corresponding day (応当日) of its first day; when
// there is no such day (a period starting on 29 February ends in a common year), it ends on the
// last day of the month (民法143条). [DueDate] returns the day after the last day: the first day
// on which the period has passed. For example a 2024 扶養控除等申告書 is kept until 2032-01-10
// and is due on 2032-01-11; a 健康保険 document completed on 2024-03-31 is kept until 2026-03-31
// and is due on 2026-04-01.
//
// Where the law is open to two readings this package takes the later date, because keeping a
// document one day too long is lawful and disposing of it one day early is not. The 完結の日 of
// a 雇用保険 被保険者 document is taken as the day the person was no longer on the roll, the day
// after the 退職日 (資格喪失日), not the 退職日 itself.
//
// # The office's deadline
//
// The guideline lets an office dispose of what became due at a fixed time, e.g. at the end of
// every business year (毎年度末に廃棄). [EndOfBusinessYear] turns a due date into that deadline,
// the rule of a published 特定個人情報取扱規程: "delete by the end of the business year in which
// the retention expires".
//
// # Dates
//
// Every date is a calendar date, as app/jpdate uses them: 00:00 UTC on that day. Inputs are
// reduced to their calendar date in their own location ([jpdate.DateOf]); pass "today" as
// [jpdate.JapanDate] of the current instant. Japanese text (和暦) comes from app/jpdate.
//
// # Which documents a person's number is kept for
//
// The vault does not record each paper an office files, so [HoldingsFor] derives a person's
// holdings from the purposes notified to them (person_purposes): TAX-* → 扶養控除等申告書 and
// 源泉徴収票, SI-KENPO and SI-NENKIN3 → 健康保険・厚生年金保険, SI-KOYO → 雇用保険 (被保険者),
// SI-ROSAI → 労災保険 (left open), an office's own purpose → no rule (the office decides). The
// full table, the dates it assumes and the defaults for a person with no purpose recorded are
// in holdings.go. An employee's dependents are disposed of with the employee, so the
// employee's due date covers the holdings of both.
//
// # The use cases
//
// [Service.DueList] lists the employees of a company who have left, with their due dates;
// [Service.DueCount] is the home screen's alert over every company the user is assigned to. A
// disposal is proposed by a 事務取扱担当者 ([Service.Propose]; a 責任者 may propose too), approved
// or rejected by a 事務取扱責任者 ([Service.Approve], [Service.Reject]) who is not the proposer
// (four eyes: the guideline asks the 責任者 to confirm a disposal), and executed
// ([Service.Execute]) by a 責任者 or 担当者:
//
//   - shred destroys the person key (vault.ShredPerson) and deletes the number and the document
//     images: nothing of the person can be opened again, in the vault or in any backup, because
//     person keys live in the key store, which data backups do not include (app/store "Two
//     files"), and the shred list keeps restored key backups from bringing the key back;
//   - mask_number deletes the number and the images of documents that show it, and keeps the
//     other identity-document images under a new person key; the old key is destroyed the same
//     way (vault.CompanyKey.RotatePerson).
//
// Only a workstation the administrator allowed to dispose (app/terminal, 取扱端末の限定) executes a
// disposal; elsewhere Execute is refused and the refusal recorded, and the disposal stays
// approved for a permitted workstation. Proposing, approving, rejecting and printing touch no
// number and stay allowed on every workstation.
//
// Execution records the 廃棄記録 (date, 実施者, the approving 責任者, method, the file kinds of
// each person, a certificate number "MNS-2026-000123") and checkpoints the database so that no
// -wal file keeps an older copy of a destroyed key. [Service.Certificate] writes the 廃棄証明書
// and [Service.FileRegister] the 特定個人情報ファイル管理台帳 with app/report. Every step appends
// its audit entry (ActionDispose, or ActionPrint for a workbook) in the same transaction.
//
// # What this package must never do
//
// It never sees a My Number: its structs have no field for one, records and certificates
// describe a person by code, name and relation, and it identifies a person only by an id. The
// rules never read the clock, open a database or log; the use cases take "today" from the
// caller. It decides when a number may go and records the disposal; the cryptography of
// deleting it (crypto-shredding) is app/vault's job.
package dispose
