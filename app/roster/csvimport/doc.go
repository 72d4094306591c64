// Package csvimport is the bulk import of 1-2 従業員設定: the employee CSV files that payroll
// and HR systems export, into one client company, all or nothing.
//
// # Steps
//
//  1. [Inspect] decodes the file and shows its first line and a few data lines (anything shaped
//     like a My Number masked) with a guessed [Mapping], for the column-mapping step. Mappings
//     can be saved per company as a [Preset].
//  2. [Importer.Preview] checks every line against the company's employees, departments and
//     numbers and returns a [Report] listing every [Problem] by line and column, and what a
//     commit would add, update and leave unchanged. It writes nothing.
//  3. [Importer.Commit] checks again inside ONE write transaction and writes only when there is
//     no problem at all: an import with one bad line writes nothing and says which line and
//     why. Employees are upserted by 従業員コード; numbers are sealed under each person's own
//     key; every added or changed employee gets its audit entry, and the import a summary entry.
//
// # Files
//
// [Decode] reads UTF-8 with or without a BOM, UTF-16 with a BOM, and CP932 (Shift_JIS as
// Windows and Excel write it): a file that is not valid UTF-8 is CP932. Fields are separated by
// commas (or tabs, when the first line has more tabs than commas) with RFC 4180 quoting. The
// default header names are 従業員コード, 氏名, フリガナ, 生年月日, 性別, 部署, 入社日, 退職日,
// メールアドレス, 電話番号 and 個人番号, with common aliases (社員番号, マイナンバー, …); dates may be
// written in any form app/jpdate reads (2024-04-01, 2024/4/1, 令和6年4月1日, R6.4.1); 性別 as
// 男/女, 1/2 or M/F. A 部署 cell names a department by code or by name; a name found nowhere
// creates a top-level department.
//
// # Checks
//
// Required code and name; field formats (roster.Employee.Check: dates, lengths, email, phone,
// no My Number in a free-text field, no employee code that could be a My Number); 性別 values;
// the number of columns of each line; employee codes twice in the file; My Number check digits;
// the same number twice in the file, or on another person of the company (by blind index); an
// existing employee whose registered number differs (changing a number is a deliberate single
// action on the employee screen, never a side effect of an import); a disposed person.
//
// # What it must never do
//
// Echo a value of the file in a problem, except header names and employee codes; write any
// plaintext number anywhere (no temporary file is made: the file is held in memory, and numbers
// reach the database only as person-key ciphertext and company blind indexes); write part of an
// import; use the number to find a person (matching is by employee code only).
package csvimport
