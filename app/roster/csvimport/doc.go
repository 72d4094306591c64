// Package csvimport is the bulk import of 1-2 従業員設定: the employee CSV files that payroll
// and HR systems export, with their 扶養親族, into one client company, all or nothing.
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
//     why. Employees are upserted by 従業員コード, their dependents matched to the registered
//     ones (dependents.go); numbers are sealed under each person's own key; every added or
//     changed employee and dependent gets its audit entry, and the import a summary entry.
//
// # Files
//
// [Decode] reads UTF-8 with or without a BOM, UTF-16 with a BOM, and CP932 (Shift_JIS as
// Windows and Excel write it): a file that is not valid UTF-8 is CP932. Fields are separated by
// commas (or tabs, when the first line has more tabs than commas) with RFC 4180 quoting. The
// default header names are 従業員コード, 氏名, フリガナ, 生年月日, 性別, 部署, 入社日, 退職日,
// メールアドレス, 電話番号, 個人番号 and 続柄, with common aliases (社員番号, マイナンバー, …); dates may be
// written in any form app/jpdate reads (2024-04-01, 2024/4/1, 令和6年4月1日, R6.4.1); 性別 as
// 男/女, 1/2 or M/F. A 部署 cell names a department by code or by name; a name found nowhere
// creates a top-level department.
//
// # Dependents
//
// 扶養親族 come as numbered column groups on the employee's line (扶養親族1氏名, 扶養親族1続柄,
// 扶養1生年月日, 控除対象扶養親族(2)個人番号, 配偶者氏名 …), found by header name, or as the lines
// of a one-row-per-person file (a 続柄 column) whose 続柄 is not 本人, each a dependent of the
// employee with the same 従業員コード, on a 本人 line of the file or registered. Columns about
// dependents that are not imported (障害者区分 …) are named in a warning. See dependents.go.
//
// # Checks
//
// Required code and name; field formats (roster.Employee.Check: dates, lengths, email, phone,
// no My Number in a free-text field, no employee code that could be a My Number); 性別 values;
// the number of columns of each line; employee codes twice in the file; My Number check digits;
// the same number twice in the file, or on another person of the company (by blind index); an
// existing employee whose registered number differs (changing a number is a deliberate single
// action on the employee screen, never a side effect of an import); a disposed person. A
// dependent is checked as one entered by hand (roster.Dependent.Check: name, reading, 続柄,
// birth date, sex), its number as an employee's; the same dependent twice, and a dependent's
// line without its employee, are refused.
//
// # What it must never do
//
// Echo a value of the file in a problem, except header names and employee codes; write any
// plaintext number anywhere (no temporary file is made: the file is held in memory, and numbers
// reach the database only as person-key ciphertext and company blind indexes); write part of an
// import; use the number to find a person (employees are matched by employee code, dependents
// by their employee, name or reading and birth date); delete a person.
package csvimport
