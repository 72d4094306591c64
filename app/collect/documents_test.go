package collect

import (
	"slices"
	"strings"
	"testing"
)

func codes(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

// TestEvaluate is the specification of the 本人確認 rules (compliance.md §3.1, §3.2).
func TestEvaluate(t *testing.T) {
	type D = []DocKind
	cases := []struct {
		name string
		s    Submission
		want []string // problem codes; nil = accepted
	}{
		// #1 マイナンバーカード alone satisfies both checks, on every channel.
		{"card alone in person", Submission{Channel: InPerson, NumberDoc: MyNumberCard}, nil},
		{"card alone by mail", Submission{Channel: Mail, NumberDoc: MyNumberCard}, nil},
		{"card alone online with image", Submission{Channel: Online, NumberDoc: MyNumberCard, ImageKinds: D{MyNumberCard}}, nil},
		{"card read by the reader", Submission{Channel: ICCard, NumberDoc: MyNumberCard}, nil},
		{"card plus a license is fine", Submission{Channel: InPerson, NumberDoc: MyNumberCard, IdentityDocs: D{DriversLicense}}, nil},

		// #2 通知カード with unchanged details + one photo ID.
		{"notification card + license", Submission{Channel: InPerson, NumberDoc: NotificationCard, CardDetails: DetailsUnchanged,
			IdentityDocs: D{DriversLicense}}, nil},
		{"notification card + passport by mail", Submission{Channel: Mail, NumberDoc: NotificationCard, CardDetails: DetailsUnchanged,
			IdentityDocs: D{Passport}}, nil},
		{"notification card, details changed", Submission{Channel: InPerson, NumberDoc: NotificationCard, CardDetails: DetailsChanged,
			IdentityDocs: D{DriversLicense}}, []string{ProblemDetailsChanged}},
		{"notification card, not asked", Submission{Channel: InPerson, NumberDoc: NotificationCard,
			IdentityDocs: D{DriversLicense}}, []string{ProblemDetailsUnknown}},

		// #3 住民票 with the number + photo ID.
		{"resident record + residence card", Submission{Channel: InPerson, NumberDoc: ResidentRecord, IdentityDocs: D{ResidenceCard}}, nil},
		{"resident record certificate + license", Submission{Channel: Mail, NumberDoc: ResidentRecordCertificate, IdentityDocs: D{DrivingHistory}}, nil},

		// #4 two different photo-less documents.
		{"two photo-less", Submission{Channel: InPerson, NumberDoc: ResidentRecord, IdentityDocs: D{HealthInsuranceCard, PensionBook}}, nil},
		{"one photo-less", Submission{Channel: InPerson, NumberDoc: ResidentRecord, IdentityDocs: D{HealthInsuranceCard}}, []string{ProblemPhotolessOne}},
		{"the same photo-less twice", Submission{Channel: InPerson, NumberDoc: ResidentRecord,
			IdentityDocs: D{HealthInsuranceCard, HealthInsuranceCard}}, []string{ProblemPhotolessOne}},
		{"no identity document", Submission{Channel: InPerson, NumberDoc: ResidentRecord}, []string{ProblemIdentityMissing}},

		// #5 個人番号通知書 for either check.
		{"number notice as number doc", Submission{Channel: InPerson, NumberDoc: NumberNotice, IdentityDocs: D{DriversLicense}},
			[]string{ProblemNumberNotice}},
		{"number notice as identity doc", Submission{Channel: InPerson, NumberDoc: ResidentRecord, IdentityDocs: D{NumberNotice}},
			[]string{ProblemNumberNotice, ProblemIdentityMissing}},
		{"number notice beside a good card", Submission{Channel: InPerson, NumberDoc: MyNumberCard, IdentityDocs: D{NumberNotice}},
			[]string{ProblemNumberNotice}},

		// #6 employer exception: in person only.
		{"employer exception in person", Submission{Channel: InPerson, NumberDoc: NotificationCard, CardDetails: DetailsUnchanged,
			IdentityDocs: D{EmployerException}}, nil},
		{"employer exception by mail", Submission{Channel: Mail, NumberDoc: ResidentRecord, IdentityDocs: D{EmployerException}},
			[]string{ProblemChannelDoc, ProblemIdentityMissing}},

		// #7 existing file.
		{"existing file + license", Submission{Channel: InPerson, NumberDoc: ExistingFile, IdentityDocs: D{DriversLicense}}, nil},

		// Online.
		{"online notification card + license, both imaged", Submission{Channel: Online, NumberDoc: NotificationCard,
			CardDetails: DetailsUnchanged, IdentityDocs: D{DriversLicense}, ImageKinds: D{NotificationCard, DriversLicense}}, nil},
		{"online, license not imaged", Submission{Channel: Online, NumberDoc: NotificationCard,
			CardDetails: DetailsUnchanged, IdentityDocs: D{DriversLicense}, ImageKinds: D{NotificationCard}}, []string{ProblemImagesMissing}},
		{"online card without image", Submission{Channel: Online, NumberDoc: MyNumberCard}, []string{ProblemImagesMissing}},
		{"online issued credentials", Submission{Channel: Online, NumberDoc: ResidentRecord, IdentityDocs: D{IssuedCredentials},
			ImageKinds: D{ResidentRecord}}, nil},
		{"issued credentials in person", Submission{Channel: InPerson, NumberDoc: ResidentRecord, IdentityDocs: D{IssuedCredentials}},
			[]string{ProblemChannelDoc, ProblemIdentityMissing}},
		{"online self declaration", Submission{Channel: Online, NumberDoc: SelfDeclaration, IdentityDocs: D{IssuedCredentials},
			ImageKinds: D{SelfDeclaration}}, nil},
		{"self declaration in person", Submission{Channel: InPerson, NumberDoc: SelfDeclaration, IdentityDocs: D{DriversLicense}},
			[]string{ProblemChannelDoc}},
		{"image of an unlisted document", Submission{Channel: Mail, NumberDoc: MyNumberCard, ImageKinds: D{Passport}},
			[]string{ProblemImageKind}},

		// IC card channel.
		{"ic card with a notification card", Submission{Channel: ICCard, NumberDoc: NotificationCard, CardDetails: DetailsUnchanged,
			IdentityDocs: D{DriversLicense}}, []string{ProblemICCardDoc}},

		// Wrong documents in the wrong place.
		{"license as number doc", Submission{Channel: InPerson, NumberDoc: DriversLicense, IdentityDocs: D{Passport}},
			[]string{ProblemNotNumberDoc}},
		{"resident record as identity doc", Submission{Channel: InPerson, NumberDoc: NotificationCard, CardDetails: DetailsUnchanged,
			IdentityDocs: D{ResidentRecord}}, []string{ProblemNotIdentityDoc, ProblemIdentityMissing}},
		{"unknown number doc", Submission{Channel: InPerson, NumberDoc: "student_card", IdentityDocs: D{Passport}},
			[]string{ProblemUnknownDoc}},
		{"no number doc", Submission{Channel: InPerson, IdentityDocs: D{Passport}}, []string{ProblemUnknownDoc}},
		{"unknown channel", Submission{Channel: "fax", NumberDoc: MyNumberCard}, []string{ProblemChannel}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := Evaluate(c.s)
			if got := codes(ps); !slices.Equal(got, c.want) {
				t.Fatalf("problems %v, want %v", got, c.want)
			}
			for _, p := range ps {
				if p.JA == "" || p.EN == "" || p.Field == "" {
					t.Errorf("problem %s lacks a message or field: %+v", p.Code, p)
				}
			}
		})
	}
}

func TestDocKindsAreComplete(t *testing.T) {
	seen := map[DocKind]bool{}
	for _, d := range DocKinds() {
		if seen[d.Kind] || d.JA == "" || d.EN == "" {
			t.Errorf("kind %q duplicated or unlabelled", d.Kind)
		}
		seen[d.Kind] = true
		if !d.Use.Number && !d.Use.Identity && !d.Use.Refused {
			t.Errorf("kind %q is usable for nothing", d.Kind)
		}
		if d.Use.Photo && !d.Use.Identity {
			t.Errorf("kind %q has a photo but is not an identity document", d.Kind)
		}
		if d.Kind.Label("ja") != d.JA || d.Kind.Label("en") != d.EN {
			t.Errorf("labels of %q", d.Kind)
		}
	}
	for _, c := range Channels() {
		if c.Label("ja") == string(c) || c.Label("en") == string(c) {
			t.Errorf("channel %q unlabelled", c)
		}
	}
	for _, s := range Statuses() {
		if s.Label("ja") == string(s) || s.Label("en") == string(s) {
			t.Errorf("status %q unlabelled", s)
		}
	}
}

func TestFlags(t *testing.T) {
	for _, c := range []struct {
		s    Submission
		want []string
	}{
		{Submission{NumberDoc: NotificationCard, CardDetails: DetailsUnchanged}, []string{FlagDetailsUnchanged}},
		{Submission{NumberDoc: NotificationCard, CardDetails: DetailsChanged}, []string{FlagDetailsChanged}},
		{Submission{NumberDoc: NotificationCard}, []string{}},
		{Submission{NumberDoc: MyNumberCard, CardDetails: DetailsChanged}, []string{}},
	} {
		if got := c.s.flags(); !slices.Equal(got, c.want) {
			t.Errorf("flags(%+v) = %v, want %v", c.s, got, c.want)
		}
	}
}

// TestTransitions is the status machine of a collection target.
func TestTransitions(t *testing.T) {
	all := Statuses()[1:] // Unrequested has no target row
	want := map[op]map[Status]Status{
		opSubmit:   {Requested: Submitted, Returned: Submitted},
		opCheckOK:  {Requested: Checked, Submitted: Checked, Returned: Checked, Refused: Checked, Checked: Checked, Registered: Registered},
		opSendBack: {Requested: Returned, Submitted: Returned, Returned: Returned, Checked: Returned},
		opRefuse:   {Requested: Refused, Submitted: Refused, Returned: Refused, Checked: Refused},
		opRemind:   {Requested: Requested, Returned: Returned},
		opRegister: {Checked: Registered, Registered: Registered},
	}
	for o, m := range want {
		for _, from := range all {
			got, ok := next(o, from)
			to, allowed := m[from]
			if ok != allowed || (ok && got != to) {
				t.Errorf("op %d from %s: got %s %v, want %s %v", o, from, got, ok, to, allowed)
			}
		}
	}
}

// FuzzEvaluate: any submission, however odd, gives problems with messages, never a panic, and
// an accepted one never names 個人番号通知書.
func FuzzEvaluate(f *testing.F) {
	f.Add("in_person", "mynumber_card", "", "", "")
	f.Add("online", "notification_card", "drivers_license", "unchanged", "notification_card")
	f.Add("mail", "individual_number_notice", "health_insurance_card", "changed", "pension_book")
	f.Fuzz(func(t *testing.T, channel, numberDoc, identityDoc, details, image string) {
		s := Submission{Channel: Channel(channel), NumberDoc: DocKind(numberDoc), IdentityDocs: []DocKind{DocKind(identityDoc)},
			CardDetails: CardDetails(details), ImageKinds: []DocKind{DocKind(image)}}
		ps := Evaluate(s)
		for _, p := range ps {
			if p.Code == "" || p.JA == "" || p.EN == "" {
				t.Fatalf("problem without message: %+v", p)
			}
		}
		if len(ps) == 0 && (s.NumberDoc == NumberNotice || identityDoc == string(NumberNotice)) {
			t.Fatal("個人番号通知書 accepted")
		}
	})
}

// FuzzNormalizeOTP: normalising is idempotent and never leaves a separator.
func FuzzNormalizeOTP(f *testing.F) {
	f.Add("abcd-efgh-jklm")
	f.Add("ＡＢＣＤ－ＥＦＧＨ　ＪＫＬＭ")
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeOTP(s)
		if NormalizeOTP(n) != n {
			t.Fatalf("not idempotent: %q → %q → %q", s, n, NormalizeOTP(n))
		}
		if strings.ContainsAny(n, "- \t") {
			t.Fatalf("separator left in %q", n)
		}
	})
}
