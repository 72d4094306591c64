// Package mynumber checks, normalises and masks the two Japanese national numbers that
// MyNumber Shelter handles: the 12-digit Individual Number (個人番号, "My Number") and the
// 13-digit Corporate Number (法人番号).
//
// # Check digits
//
// The Individual Number's last digit is a check digit over the first eleven, defined in
// 番号法施行規則 (総務省令第八十五号) 第五条; see [IndividualCheckDigit]. The Corporate
// Number's first digit is a check digit over the following twelve (the 会社法人等番号),
// defined in 法人番号の指定等に関する省令 (財務省令第七十号) 第二条; see [CorporateCheckDigit].
// A check digit catches most single typos, not all of them, and says nothing about whether a
// number was ever issued or to whom.
//
// # Input
//
// People type numbers with full-width digits, spaces and all kinds of dashes. [Normalize]
// applies NFKC and removes spaces and dash look-alikes, and keeps everything else so that
// [ValidateIndividual], [ValidateCorporate] and [Validate] can say exactly what is wrong. Their
// errors are [*ValidationError] values with a stable Code, an English Error() and a Japanese
// message for the user.
//
// # Display
//
// An Individual Number is shown masked ([Mask]: "**** **** 9018") until a user with a purpose
// reveals it; [FormatIndividual] groups a revealed number for reading aloud and comparing.
// Corporate Numbers are public (国税庁 publishes them), so [Mask] shows them in full.
//
// # Leak scanning
//
// [ContainsValidIndividual] finds a run of exactly twelve ASCII digits that passes the check
// digit anywhere in a byte slice. Tests use it to prove that databases, logs and temporary
// files never hold a number in clear.
//
// # What this package must never do
//
// It never logs, and no error it returns contains a digit of its input: an error may reach a
// log line or a support e-mail, and a My Number must not.
//
// The number is not an identifier. 番号法 第九条 limits its use to social security, tax and
// disaster-response procedures; using it as an employee or customer key (a database key, a
// file name, a lookup index in clear, a login name) is unlawful. Code that needs to find a
// person uses the person's own ID; duplicate detection uses a keyed blind index held by
// app/vault, never the number itself.
package mynumber
