package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"rsc.io/qr"
)

func writeNotices(t *testing.T, n Notices, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteNoticeLetters(&buf, n, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeHistory(t *testing.T, h HistoryHeader, n int, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	got, err := WriteHistoryReport(&buf, h, fixtureRows(n), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Fatalf("WriteHistoryReport wrote %d rows, want %d", got, n)
	}
	return buf.Bytes()
}

func writeCertificate(t *testing.T, c Certificate, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteDisposalCertificate(&buf, c, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeRegister(t *testing.T, r Register, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteFileRegister(&buf, r, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestNoticeLettersGolden(t *testing.T) {
	got := dumpBook(t, writeNotices(t, fixtureNotices(), Options{}), "")
	golden(t, "notice_letters", got)
	for _, want := range []string{
		"sheet E0001 山田 太郎\n", "sheet E0002 鈴木 一郎 (2)\n", "sheet P-9 髙橋__臨時_\n", // unique, cleaned names
		"=令和7年4月1日\n", "=提出期限：令和7年4月30日\n", "=令和7年4月30日 17:00 まで\n", // 和暦, expiry in JST
		"paper=9 orientation=portrait",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("notice letters lack %q", want)
		}
	}
}

// TestNoticeQRCode checks that each letter's picture is the QR code of its own URL.
func TestNoticeQRCode(t *testing.T) {
	n := fixtureNotices()
	f, err := excelize.OpenReader(bytes.NewReader(writeNotices(t, n, Options{})))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	for i, l := range n.Letters {
		url := l.URL
		if url == "" {
			url = n.Submit.URL
		}
		cells, err := f.GetPictureCells(sheets[i])
		if err != nil || len(cells) != 1 {
			t.Fatalf("sheet %s: picture cells %v, %v; want one", sheets[i], cells, err)
		}
		pics, err := f.GetPictures(sheets[i], cells[0])
		if err != nil || len(pics) != 1 {
			t.Fatalf("sheet %s: %d pictures, %v", sheets[i], len(pics), err)
		}
		code, err := qr.Encode(url, qr.M)
		if err != nil {
			t.Fatal(err)
		}
		code.Scale = qrModulePixels
		if !bytes.Equal(pics[0].File, code.PNG()) {
			t.Errorf("sheet %s: the picture is not the QR code of %s", sheets[i], url)
		}
		if v, _ := f.GetCellValue(sheets[i], "B"+cells[0][1:]); !strings.Contains(v, "QRコード") {
			t.Errorf("sheet %s: QR code at %s is not beside its instructions (%q)", sheets[i], cells[0], v)
		}
	}
}

func TestNoticeLettersWithoutOnline(t *testing.T) {
	n := fixtureNotices()
	n.Submit.URL = ""
	n.Letters = n.Letters[:1]
	n.Letters[0].OneTimePassword = "" // not needed without an online form
	got := dumpBook(t, writeNotices(t, n, Options{}), "")
	for _, bad := range []string{"picture ", "初回パスワード", "オンライン"} {
		if strings.Contains(got, bad) {
			t.Errorf("a letter without an online form shows %q", bad)
		}
	}
	if !strings.Contains(got, "（2）写しを郵送してください") {
		t.Error("ways to hand in are not numbered")
	}
}

func TestHistoryReportGolden(t *testing.T) {
	got := dumpBook(t, writeHistory(t, fixtureHeader(), 8, Options{}), "")
	golden(t, "history_report", got)
	for _, want := range []string{
		"取扱い履歴!B10=2025-04-01 09:01:37\n", // JST
		"取扱い履歴!A19=以上 8 件\n",
		"検証済み（全1,234件）：改ざんは検出されませんでした",
		"paper=9 orientation=landscape",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("history report lacks %q", want)
		}
	}
}

func TestHistoryReportHeaderStates(t *testing.T) {
	tests := []struct {
		name  string
		mod   func(*HistoryHeader)
		wants []string
	}{
		{"unverified, open period, all companies", func(h *HistoryHeader) {
			h.Chain = ChainState{}
			h.From, h.To, h.Company, h.Conditions = time.Time{}, time.Time{}, "", ""
		}, []string{"=未検証\n", "=指定なし\n", "=全企業\n", "=なし\n"}},
		{"broken chain", func(h *HistoryHeader) {
			h.Chain = ChainState{Verified: true, Entries: 99, FirstBroken: 57, Detail: "履歴の一部が削除されています"}
		}, []string{"=改ざんを検出（履歴番号 57 以降を確認してください）：履歴の一部が削除されています\n"}},
		{"open end", func(h *HistoryHeader) { h.To = time.Time{} },
			[]string{"=2025年4月1日（令和7年4月1日） ～ \n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := fixtureHeader()
			tt.mod(&h)
			got := dumpBook(t, writeHistory(t, h, 0, Options{}), "")
			for _, w := range tt.wants {
				if !strings.Contains(got, w) {
					t.Errorf("header lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestHistoryReportStopsOnRowError(t *testing.T) {
	boom := errors.New("database went away")
	rows := func(yield func(HistoryRow, error) bool) {
		if !yield(fixtureRow(1), nil) {
			return
		}
		yield(HistoryRow{}, boom)
	}
	var buf bytes.Buffer
	n, err := WriteHistoryReport(&buf, fixtureHeader(), rows, Options{})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	if n != 0 || buf.Len() != 0 {
		t.Errorf("wrote %d rows, %d bytes after an error; want nothing", n, buf.Len())
	}
}

func TestHistoryReportTooManyRows(t *testing.T) {
	var buf bytes.Buffer
	_, err := writeHistoryLimit(&buf, fixtureHeader(), fixtureRows(6), Options{}, 5)
	if !errors.Is(err, ErrTooManyRows) || buf.Len() != 0 {
		t.Fatalf("err = %v, %d bytes; want ErrTooManyRows and nothing written", err, buf.Len())
	}
	if _, err := writeHistoryLimit(&buf, fixtureHeader(), fixtureRows(5), Options{}, 5); err != nil {
		t.Fatalf("5 rows with a limit of 5: %v", err)
	}
	if MaxHistoryRows+historyHeaderRow+2 != 1<<20 {
		t.Errorf("MaxHistoryRows = %d does not fill an Excel sheet exactly", MaxHistoryRows)
	}
}

func TestDisposalCertificateGolden(t *testing.T) {
	got := dumpBook(t, writeCertificate(t, fixtureCertificate(), Options{}), "")
	golden(t, "disposal_certificate", got)
	for _, want := range []string{
		"=2025年5月1日（令和7年5月1日）\n", // 西暦 and 和暦
		"=" + MethodCryptoShred + "\n",
		"=株式会社サンプル商事 御中\n",
		"=" + CertificateStatement + "\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("certificate lacks %q", want)
		}
	}
}

func TestFileRegisterGolden(t *testing.T) {
	got := dumpBook(t, writeRegister(t, fixtureRegister(), Options{}), "")
	golden(t, "file_register", got)
	for _, want := range []string{"=特定個人情報ファイルの種類・名称\n", "=アクセス権を有する者\n", "=削除・廃棄状況\n",
		`=給与所得の源泉徴収票作成事務\n健康保険・厚生年金保険届出事務` + "\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("register lacks %q", want)
		}
	}
}

func TestMissingFields(t *testing.T) {
	var buf bytes.Buffer
	tests := []struct {
		name  string
		write func() error
		field string
	}{
		{"notice company", func() error { n := fixtureNotices(); n.Company = " "; return WriteNoticeLetters(&buf, n, Options{}) }, "Company"},
		{"notice purposes", func() error { n := fixtureNotices(); n.Purposes = nil; return WriteNoticeLetters(&buf, n, Options{}) }, "Purposes"},
		{"notice no way", func() error {
			n := fixtureNotices()
			n.Submit = Submission{}
			for i := range n.Letters {
				n.Letters[i].URL = ""
			}
			return WriteNoticeLetters(&buf, n, Options{})
		}, "Submit"},
		{"notice password", func() error {
			n := fixtureNotices()
			n.Letters[1].OneTimePassword = ""
			return WriteNoticeLetters(&buf, n, Options{})
		}, "Letters[1].OneTimePassword"},
		{"notice expiry", func() error {
			n := fixtureNotices()
			n.Letters[0].Expires = time.Time{}
			return WriteNoticeLetters(&buf, n, Options{})
		}, "Letters[0].Expires"},
		{"history office", func() error {
			h := fixtureHeader()
			h.Office = ""
			_, err := WriteHistoryReport(&buf, h, fixtureRows(1), Options{})
			return err
		}, "Office"},
		{"certificate items", func() error {
			c := fixtureCertificate()
			c.Items = nil
			return WriteDisposalCertificate(&buf, c, Options{})
		}, "Items"},
		{"certificate kind", func() error {
			c := fixtureCertificate()
			c.Items[2].Kind = ""
			return WriteDisposalCertificate(&buf, c, Options{})
		}, "Items[2].Kind"},
		{"certificate approval", func() error {
			c := fixtureCertificate()
			c.ApprovedOn = time.Time{}
			return WriteDisposalCertificate(&buf, c, Options{})
		}, "ApprovedOn"},
		{"register purposes", func() error {
			r := fixtureRegister()
			r.Files[1].Purposes = nil
			return WriteFileRegister(&buf, r, Options{})
		}, "Files[1].Purposes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf.Reset()
			err := tt.write()
			if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), tt.field+":") {
				t.Fatalf("err = %v, want ErrMissing naming %s", err, tt.field)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written on a validation error", buf.Len())
			}
		})
	}
}

func TestPassword(t *testing.T) {
	const password = "correct-horse-battery-staple-7"
	plain := dumpBook(t, writeCertificate(t, fixtureCertificate(), Options{}), "")
	books := map[string][]byte{
		"certificate": writeCertificate(t, fixtureCertificate(), Options{Password: password}),
		"history":     writeHistory(t, fixtureHeader(), 3, Options{Password: password}),
		"notices":     writeNotices(t, fixtureNotices(), Options{Password: password}),
		"register":    writeRegister(t, fixtureRegister(), Options{Password: password}),
	}
	for name, data := range books {
		if bytes.HasPrefix(data, []byte("PK")) {
			t.Errorf("%s: a protected workbook is a plain zip", name)
		}
		if bytes.Contains(data, []byte("xl/worksheets")) {
			t.Errorf("%s: a protected workbook shows its part names", name)
		}
		if _, err := excelize.OpenReader(bytes.NewReader(data)); err == nil {
			t.Errorf("%s: opened without the password", name)
		}
		if _, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{Password: "wrong"}); !errors.Is(err, excelize.ErrWorkbookPassword) {
			t.Errorf("%s: wrong password: err = %v, want ErrWorkbookPassword", name, err)
		}
		got := dumpBook(t, data, password)
		if name == "certificate" && got != plain {
			t.Errorf("the protected certificate opens to other contents than the plain one")
		}
		if !strings.Contains(got, "paper=9") {
			t.Errorf("%s: protected workbook lost its page setup", name)
		}
	}
}

func TestSheetName(t *testing.T) {
	used := map[string]bool{}
	tests := []struct{ in, want string }{
		{"E0001 山田 太郎", "E0001 山田 太郎"},
		{"e0001 山田 太郎", "e0001 山田 太郎 (2)"}, // Excel compares names case-insensitively
		{"a:b\\c/d?e*f[g]h", "a_b_c_d_e_f_g_h"},
		{"'quoted'", "quoted"},
		{"", "Sheet"},
		{"history", "history_"},
		{strings.Repeat("長", 40), strings.Repeat("長", 31)},
		{strings.Repeat("長", 40), strings.Repeat("長", 27) + " (2)"},
		{strings.Repeat("𠮷", 20), strings.Repeat("𠮷", 15)}, // two UTF-16 units each
	}
	for _, tt := range tests {
		if got := sheetName(tt.in, used); got != tt.want {
			t.Errorf("sheetName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
