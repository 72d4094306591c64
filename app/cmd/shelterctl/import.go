package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster/csvimport"
	"github.com/mynumber-shelter/shelter/app/ui"
)

const importUsage = `usage: shelterctl --vault DIR --user LOGIN import employees --company ID FILE [--dry-run] [--mapping FILE.json]

  Imports the employee CSV FILE (UTF-8 with or without BOM, or CP932) into client company ID,
  all or nothing, upserting by 従業員コード. Without --mapping, columns are found by the default
  header names: 従業員コード, 氏名, フリガナ, 生年月日, 性別, 部署, 入社日, 退職日, メールアドレス,
  電話番号, 個人番号. --mapping reads {"noHeader": false, "columns": {"code": "社員番号", "name": 2}}.
  --dry-run checks the file and writes nothing. Exit 3 when any line is rejected (nothing is
  written then). The --user must be a 事務取扱責任者 or 事務取扱担当者 of the company.
`

// importEmployees is `import employees`. It prints "added N, updated N, rejected N", then every
// problem as "line L, column C: reason". Problems never contain a number from the file.
func (c *cli) importEmployees(args []string) (int, error) {
	fs := flag.NewFlagSet("import employees", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() { fmt.Fprint(c.stderr, importUsage) }
	company := fs.String("company", "", "id of the client company (see company list)")
	dryRun := fs.Bool("dry-run", false, "check the file and write nothing")
	mappingFile := fs.String("mapping", "", "column mapping, JSON")
	// Flags may come before or after FILE.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return exitUsage, usageError{"import employees: " + err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	companyID, err := strconv.ParseInt(*company, 10, 64)
	if err != nil || companyID <= 0 || len(files) != 1 {
		fmt.Fprint(c.stderr, importUsage)
		return exitUsage, usageError{"import employees needs --company ID and exactly one FILE"}
	}
	var m csvimport.Mapping
	if *mappingFile != "" {
		b, err := os.ReadFile(*mappingFile)
		if err != nil {
			return exitFail, fmt.Errorf("reading mapping: %w", err)
		}
		if m, err = csvimport.ParseMapping(b); err != nil {
			return exitUsage, usageError{err.Error()}
		}
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		return exitFail, fmt.Errorf("reading %s: %w", files[0], err)
	}
	code := exitOK
	err = c.withSession(func(app *ui.App, sess *auth.Session) error {
		keys := sess.Keys()
		if keys == nil {
			return auth.ErrLocked
		}
		im := &csvimport.Importer{DB: app.DB, Audit: app.Audit}
		req := csvimport.Request{CompanyID: companyID, Data: data, Mapping: m}
		var rep csvimport.Report
		var err error
		if *dryRun {
			rep, err = im.Preview(context.Background(), sess.Principal, keys, req)
		} else {
			rep, err = im.Commit(context.Background(), sess.Principal, keys, req, nil)
		}
		if err != nil && !errors.Is(err, csvimport.ErrRejected) {
			return err
		}
		if len(rep.Problems) > 0 {
			code = exitInvalid
		}
		c.printReport(rep, *dryRun)
		return nil
	})
	return code, err
}

func (c *cli) printReport(rep csvimport.Report, dryRun bool) {
	added, updated := rep.Added, rep.Updated
	if !dryRun && !rep.Committed {
		added, updated = 0, 0
	}
	fmt.Fprintf(c.stdout, "added %d, updated %d, rejected %d\n", added, updated, rep.Rejected)
	for _, p := range rep.Problems {
		where := "file"
		if p.Line > 0 {
			where = fmt.Sprintf("line %d", p.Line)
		}
		if p.Column != "" {
			where += ", column " + p.Column
		}
		fmt.Fprintf(c.stdout, "%s: %s / %s\n", where, p.EN, p.JA)
	}
	switch {
	case len(rep.Problems) > 0:
		fmt.Fprintf(c.stdout, "nothing was written (%d lines would be added and %d updated once the lines above are fixed)\n", rep.Added, rep.Updated)
	case dryRun:
		fmt.Fprintln(c.stdout, "dry run: nothing was written")
	}
	if len(rep.Problems) == 0 {
		if rep.Unchanged > 0 {
			fmt.Fprintf(c.stdout, "unchanged %d\n", rep.Unchanged)
		}
		if n := rep.DependentsAdded + rep.DependentsUpdated + rep.DependentsUnchanged; n > 0 {
			fmt.Fprintf(c.stdout, "dependents: added %d, updated %d, unchanged %d\n", rep.DependentsAdded, rep.DependentsUpdated, rep.DependentsUnchanged)
		}
		if rep.Numbers > 0 && dryRun {
			fmt.Fprintf(c.stdout, "numbers to register %d\n", rep.Numbers)
		} else if rep.Numbers > 0 {
			fmt.Fprintf(c.stdout, "numbers registered %d\n", rep.Numbers)
		}
		if len(rep.NewDepartments) > 0 {
			fmt.Fprintf(c.stdout, "new departments: %s\n", strings.Join(rep.NewDepartments, ", "))
		}
	}
}
