// Package report writes the Excel workbooks (and the CSV file) that MyNumber Shelter hands to
// people: the notice letters of 1-3 STEP1, the handling-history report of 2-1, the disposal
// certificate of 4-1 and the register of 特定個人情報ファイル (管理台帳). Each writer takes a
// plain struct that a use case fills, and writes one .xlsx to an io.Writer with
// github.com/xuri/excelize/v2. There is no database access here.
//
// # Workbooks
//
//   - [WriteNoticeLetters]: 従業員等へのマイナンバー制度に向けての通知書, one sheet per person,
//     with the purposes (利用目的), the ways to hand the number in, a QR code of the online
//     form's URL and the person's login credentials.
//   - [WriteHistoryReport]: 取扱い履歴レポート, a header block (office, company, period, when it
//     was made, the state of the audit chain) and one row per history entry. Rows come from an
//     iterator and go through excelize's StreamWriter, so memory stays bounded by the size of
//     the finished file, not by the number of rows. [WriteHistoryCSV] writes the same rows as
//     CSV in UTF-8 (with BOM) or CP932.
//   - [WriteDisposalCertificate]: 廃棄証明書, what was disposed of, how, by whom and who approved.
//   - [WriteFileRegister]: 特定個人情報ファイル管理台帳 (PPC guideline 別添 C-c).
//
// Every sheet is Japanese first and set up for printing on A4 (portrait, or landscape for the
// wide tables), fitted to the page width, with page numbers in the footer. Dates are written
// with app/jpdate (和暦 beside the Gregorian date where a reader expects it); instants are
// shown in Japan time (JST, UTC+9).
//
// # Protection
//
// [Options.Password] encrypts a workbook so that it cannot be opened without the password. A
// file that leaves the office is a 持出し (PPC guideline 別添 E-c:
// 持出しデータの暗号化、パスワードによる保護) and should be protected; notice letters carry one-time passwords. excelize
// writes ECMA-376 Standard Encryption, which every Excel since 2007 opens: AES-128 (in ECB
// mode, as that format defines) under a key derived from the password with 50,000 rounds of
// SHA-1. That keeps out a finder without the password, but it is not the strong, modern
// format (Agile Encryption, AES-256) and a short password can be guessed offline: use a long
// random one and send it by another channel.
//
// # What this package must never do
//
// No workbook it writes may contain a My Number: the disposal certificate, the register and
// the history are records that the guideline says must not hold 特定個人情報, and the notice
// letters go to people before any number is collected. The input structs have no field for a
// number, and every writer checks every text it is given: text that holds a valid-looking
// Individual Number (12 digits, also full-width or grouped 4-4-4, with a correct check digit)
// makes it fail with [ErrMyNumber] before anything is written. Errors name the field, never
// its text. The package never logs and never reads the clock: the time a report was made is
// an input.
//
// While a history report is built, excelize may spill rows to a temporary file in
// os.TempDir; the file is removed before the writer returns. The rows hold no number, but do
// hold names: put TMPDIR on an encrypted disk.
package report
