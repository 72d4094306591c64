package roster

import "github.com/mynumber-shelter/shelter/app/apperr"

// Sort is how a list of people is ordered: by Key ("" or "code", "name", "department",
// "birthDate", "hiredOn"), descending when Desc. Names order by their reading (フリガナ) folded
// by app/jtext, so 「さいとう」 and 「サイトウ」 sort as one and a name without a reading by the
// name itself; codes order numerically when they are numbers (E2 before E10); ISO dates order
// as dates. Ties fall back to the code (ascending), so a page boundary never moves between two loads.
type Sort struct {
	Key  string
	Desc bool
}

// SortColumns names, per sort key, the SQL expressions of one query: the employee code, the
// name, the reading, the department name and the two dates. An empty expression refuses that
// key.
type SortColumns struct {
	Code, Name, Kana, Department, BirthDate, HiredOn string
}

// OrderBy returns the ORDER BY list (without the keywords) for s over cols, or a validation
// error for a key the list cannot sort by.
func (s Sort) OrderBy(cols SortColumns) (string, error) {
	dir := ""
	if s.Desc {
		dir = " DESC"
	}
	code := `length(` + cols.Code + `)`
	code += dir + `, ` + cols.Code + dir
	tie := `length(` + cols.Code + `), ` + cols.Code
	var first string
	switch s.Key {
	case "", "code":
		return code, nil
	case "name":
		first = `shelter_fold(CASE WHEN ` + cols.Kana + ` <> '' THEN ` + cols.Kana + ` ELSE ` + cols.Name + ` END)`
	case "department":
		first = cols.Department
	case "birthDate":
		first = cols.BirthDate
	case "hiredOn":
		first = cols.HiredOn
	}
	if first == "" {
		return "", apperr.Invalid("sort", "この列では並べ替えられません。", "The list cannot be sorted by this column.")
	}
	// Empty values (no department, no date) stay last whichever way the column runs.
	return `(` + first + ` = ''), ` + first + dir + `, ` + tie, nil
}
