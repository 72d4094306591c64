package use

import (
	"context"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
)

func TestSpecRules(t *testing.T) {
	num := Column{Field: FieldNumber}
	many := make([]Column, MaxColumns+1)
	for i := range many {
		many[i] = Column{Field: FieldBlank}
	}
	many[0] = num
	cases := []struct {
		name  string
		spec  Spec
		field string // "" = valid
	}{
		{"defaults", Spec{Columns: []Column{num}}, ""},
		{"every field", Spec{Columns: func() []Column {
			var cs []Column
			for _, f := range Fields() {
				cs = append(cs, Column{Field: f.Field})
			}
			return cs
		}()}, ""},
		{"no columns", Spec{}, "columns"},
		{"no number column", Spec{Columns: []Column{{Field: FieldName}}}, "columns"},
		{"two number columns", Spec{Columns: []Column{num, num}}, "columns"},
		{"unknown field", Spec{Columns: []Column{num, {Field: "salary"}}}, "columns"},
		{"too many columns", Spec{Columns: many}, "columns"},
		{"title with a line break", Spec{Columns: []Column{{Field: FieldNumber, Title: "個人\n番号"}}}, "columns"},
		{"title CP932 cannot hold", Spec{Columns: []Column{num, {Field: FieldName, Title: "𠮷"}}}, "columns"},
		{"title CP932 cannot hold, in UTF-8", Spec{Columns: []Column{num, {Field: FieldName, Title: "𠮷"}}, Encoding: UTF8BOM}, ""},
		{"number narrower than 12", Spec{Columns: []Column{{Field: FieldNumber, MaxWidth: 11}}}, "columns"},
		{"negative width", Spec{Columns: []Column{num, {Field: FieldName, MaxWidth: -1}}}, "columns"},
		{"bad encoding", Spec{Columns: []Column{num}, Encoding: "utf16"}, "encoding"},
		{"bad dates", Spec{Columns: []Column{num}, Dates: "iso"}, "dates"},
		{"bad line ending", Spec{Columns: []Column{num}, LineEnding: "cr"}, "lineEnding"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sp := c.spec
			err := sp.Normalize()
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if sp.Encoding == "" || sp.Dates == "" || sp.LineEnding == "" {
					t.Fatalf("defaults not filled: %+v", sp)
				}
				return
			}
			if codeOf(err) != "invalid" || fieldOf(err) != c.field {
				t.Fatalf("got %v, want invalid %s", err, c.field)
			}
		})
	}
	for _, p := range Presets() {
		sp := p.Spec
		if err := sp.Normalize(); err != nil {
			t.Errorf("preset %s: %v", p.Preset, err)
		}
	}
}

func TestFormatCRUD(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.sess["handler"].Principal
	fs, err := f.svc.Formats(ctx, p, f.a)
	if err != nil || len(fs) != 1 || fs[0].Preset != PresetYayoi || fs[0].ID != 0 || fs[0].NoteJA == "" {
		t.Fatalf("formats of a new company: %+v %v", fs, err)
	}
	spec := Spec{Columns: []Column{{Field: FieldEmployeeCode}, {Field: FieldNumber, Title: "マイナンバー"}}}
	before := f.lastID()
	a, err := f.svc.SaveFormat(ctx, p, f.a, Format{Name: " 源泉徴収用 ", Spec: spec})
	if err != nil || a.ID == 0 || a.Name != "源泉徴収用" || a.Spec.Encoding != CP932 {
		t.Fatalf("save: %+v %v", a, err)
	}
	if _, err := f.svc.SaveFormat(ctx, p, f.a, Format{Name: "源泉徴収用", Spec: spec}); codeOf(err) != "conflict" {
		t.Fatalf("same name: %v", err)
	}
	// The same name in another company is fine, and each company sees only its own.
	if _, err := f.svc.SaveFormat(ctx, f.sess["outsider"].Principal, f.b, Format{Name: "源泉徴収用", Spec: spec}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Format{{Name: "", Spec: spec}, {Name: strings.Repeat("あ", MaxNameLen+1), Spec: spec}, {Name: "x", Spec: Spec{}}} {
		if _, err := f.svc.SaveFormat(ctx, p, f.a, bad); codeOf(err) != "invalid" {
			t.Errorf("save %q: %v", bad.Name, err)
		}
	}
	a.Spec.Encoding, a.Spec.Header = UTF8BOM, true
	a.Name = "源泉徴収用 UTF-8"
	if _, err := f.svc.SaveFormat(ctx, p, f.a, a); err != nil {
		t.Fatal(err)
	}
	// Updating a format of another company is refused as not found.
	if _, err := f.svc.SaveFormat(ctx, p, f.a, Format{ID: 999, Name: "x", Spec: spec}); codeOf(err) != "not_found" {
		t.Fatalf("update a missing format: %v", err)
	}
	fs, _ = f.svc.Formats(ctx, p, f.a)
	if len(fs) != 2 || fs[1].Name != "源泉徴収用 UTF-8" || fs[1].Spec.Encoding != UTF8BOM || !fs[1].Spec.Header ||
		fs[1].Spec.Columns[1].Title != "マイナンバー" {
		t.Fatalf("after update: %+v", fs)
	}
	if err := f.svc.DeleteFormat(ctx, p, f.a, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteFormat(ctx, p, f.a, a.ID); codeOf(err) != "not_found" {
		t.Fatalf("delete twice: %v", err)
	}
	var actions []string
	for _, e := range f.entries(before) {
		if e.CompanyID == f.a {
			if e.Action != audit.ActionSettingChange || e.TargetType != "download_format" {
				t.Errorf("entry %+v", e)
			}
			actions = append(actions, e.Detail[:strings.Index(e.Detail, ":")])
		}
	}
	if strings.Join(actions, "/") != "download format created/download format changed/download format deleted" {
		t.Fatalf("history: %v", actions)
	}
}

func fieldOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Field
	}
	return ""
}
