// Package collect is 1-3 取得管理: asking employees for their My Numbers and those of their
// dependents (扶養家族), checking identity documents (本人確認), registering the numbers, and
// keeping track of who has not answered or refused.
//
// # The three steps
//
// STEP1 — [Service.CreateRequest] records a collection request (collection_requests) for
// chosen employees with the purposes (利用目的) being notified, one target row per employee
// (collection_targets, status requested) and the purposes notified to every employee and each
// of their dependents (person_purposes: the only purposes a later reveal, 3-1, may name). In
// the same transaction it issues each employee a one-time password for the employee web page
// and writes the notice letters (従業員等へのマイナンバー制度に向けての通知書) as an Excel
// workbook with app/report. [Service.Reissue] is the reminder (再通知): new passwords, a new
// letter, the reminder counted and dated.
//
// STEP2 — [Service.RecordCheck] records an identity check (identity_checks): the channel
// (対面 / 郵送 / オンライン / ICカード), the document seen for 番号確認 and those seen for 身元確認,
// who checked and when. The combinations follow the NTA table in shared/reference/
// compliance.md §3 and are decided by [Evaluate], a pure function: 個人番号通知書 is refused
// for both checks, a 通知カード needs the answer "details unchanged" (a changed one is flagged
// and refused), documents without a photo count only two at a time, a マイナンバーカード alone
// satisfies both, online submissions need images, and the IC-card channel is the My Number
// card read by the reader. Images of the documents are sealed at once, in the same
// transaction, under the PERSON key (app/vault) at person_documents/<id>/content. A check may
// instead send the submission back (差戻し) with a reason.
//
// STEP3 — [Service.RegisterNumbers] registers the numbers of an employee and their dependents
// through roster.SetNumberTx (check digit, normalisation of what was typed, a duplicate
// warning as [*DuplicateError] that the user may confirm). The target becomes registered when
// the employee and every dependent have a number. [Service.StatusBoard] shows every employee
// of a company as 未依頼 / 依頼済 / 提出済 / 確認済 / 登録済 / 差戻し / 提供拒否 with counts,
// filters and the non-submitters; [Service.Refuse] records a refusal (提供拒否) and
// [Service.RefusalRecord] lists the refusals with the dates of the request and every reminder,
// as the NTA FAQ asks, exportable as CSV ([WriteRefusalCSV]).
//
// # One-time passwords
//
// A password is 12 characters from a 32-character alphabet without look-alikes (0/O, 1/I),
// drawn with [Service.Rand] without modulo bias: 60 bits. It is printed once, grouped as
// XXXX-XXXX-XXXX, and stored only as HMAC-SHA256 under a per-company key that is itself sealed
// under the company key (collection_otp_keys). HMAC rather than Argon2id: the password is
// random and long, not chosen by a person, so a slow hash would add nothing against guessing
// that 60 bits and a key the attacker does not have do not already give, while a request for a
// thousand employees would spend minutes in Argon2id. A stolen database alone cannot test a
// guess at all (the key is wrapped under the root key). Passwords expire after
// [Service.OTPValidity] (default 14 days); [CheckOTPTx] verifies one in constant time.
//
// # Roles
//
// Every use case is for the company's 事務取扱責任者 and 事務取扱担当者 (auth.RequireCompanyRole);
// the system administrator may not act unless assigned. Every change appends its audit entry
// in the same transaction (fail closed): a create or reissue also records the printing of the
// letters (audit.ActionPrint), an export of the refusal record is a 持出し (audit.ActionExport).
//
// # What it must never do
//
// Store a one-time password or an image in clear; put a My Number, a one-time password or a
// document image into an audit entry, an error or a log; use a My Number as an identifier;
// accept a check that the rules refuse as 確認済; register a number before the employee's
// identity was checked or for a person whose purposes were never notified; half-write: every
// use case validates its input first and runs in one transaction.
package collect
