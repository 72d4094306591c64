package report

import (
	"fmt"
	_ "image/png" // excelize decodes the QR code PNG through image.Decode
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"rsc.io/qr"

	"github.com/mynumber-shelter/shelter/app/jpdate"
)

// Notices is the input of [WriteNoticeLetters] (1-3 STEP1): what every letter says, and one
// [Letter] per person.
type Notices struct {
	// Company is the employer that collects the numbers (差出人). Required.
	Company string
	// Sender is the department and person who send the letter, e.g. "人事部 事務取扱責任者
	// 佐藤 花子". Optional.
	Sender string
	// Date is the date of the letter (a calendar date), written in 和暦. Required.
	Date time.Time
	// Purposes are the 利用目的 notified, numbered in this order, e.g.
	// "給与所得の源泉徴収票作成事務". At least one.
	Purposes []string
	// Submit says how the number may be handed in. At least one way is required.
	Submit Submission
	// Contact is whom to ask, e.g. "人事部 山田（内線 123）". Optional.
	Contact string
	// Letters are the people to write to, one sheet each. At least one.
	Letters []Letter
	// Reminder marks the letters as a 再通知: the title says so, and a letter with a
	// password says that the password of any earlier letter no longer works.
	Reminder bool
}

// Submission lists the ways a person may hand in the number. An empty field is a way not
// offered.
type Submission struct {
	// InPerson says where and when to bring the documents, e.g. "本社2階 人事部（平日9時～17時）".
	InPerson string
	// Mail is the address to post copies to.
	Mail string
	// URL is the online form. It is printed and shown as a QR code; each [Letter] may
	// override it. Never put a password in it.
	URL string
	// Deadline is the last day to hand in (a calendar date); zero for none.
	Deadline time.Time
}

// Letter is one person's notice. When an online URL applies, the login credentials are
// required.
type Letter struct {
	// Addressee is the person's name; "様" is added. Required.
	Addressee string
	// Department is the person's department, printed before the name. Optional.
	Department string
	// EmployeeCode is the person's code in the company (従業員コード), also used to name the
	// sheet.
	EmployeeCode string
	// CompanyID is the company's ID for the online form (企業ID).
	CompanyID string
	// OneTimePassword is the person's first password for the online form (初回パスワード).
	OneTimePassword string
	// Expires is the instant the one-time password stops working, shown in JST.
	Expires time.Time
	// URL replaces Submission.URL for this person (for example with the company ID and
	// employee code filled in). Never put the password in it.
	URL string
}

// Texts of the letter.
const (
	noticeTitle = "従業員等へのマイナンバー制度に向けての通知書"
	noticeBody  = "当社では、「行政手続における特定の個人を識別するための番号の利用等に関する法律」（番号法）に基づき、" +
		"次の利用目的のため、あなたとご家族（扶養親族等）の個人番号（マイナンバー）をご提出いただきます。" +
		"個人番号は、この利用目的の範囲でのみ利用し、法令で定められた保存期間が過ぎた後は速やかに廃棄します。"
	noticeIDDocs = "本人確認のため、マイナンバーカード、またはマイナンバーが分かる書類（通知カード・住民票の写し等）と" +
		"写真付きの身分証明書（運転免許証・パスポート等）をご用意ください。ご家族の分も同様です。"
	noticeOTP = "初回パスワードは一度だけ使えます。他の人に見せないでください。ご提出の後、この通知書は細断して廃棄してください。"
	// noticeReminder opens a reminder (再通知).
	noticeReminder = "先日お送りした通知書について、まだご提出を確認できていないため、再度お知らせします。"
	// noticeReminderOTP says that the earlier password is void.
	noticeReminderOTP = "以前の通知書に記載した初回パスワードは無効になりました。この通知書のパスワードをお使いください。"
)

// WriteNoticeLetters writes the notice letters (従業員等へのマイナンバー制度に向けての通知書)
// to w: one A4 portrait sheet per letter, named by employee code and name. Each says who
// writes to whom and when (和暦), the purposes as a numbered list, the ways to hand the
// number in, and for the online way the URL as text and as a QR code image with the
// person's company ID, employee code, one-time password and its expiry.
//
// It checks n first and writes nothing when a required field is empty ([ErrMissing]) or a
// text holds a valid-looking My Number ([ErrMyNumber]); the error names the field. The
// letters carry one-time passwords: protect the file with opts.Password when it is sent
// rather than printed.
func WriteNoticeLetters(w io.Writer, n Notices, opts Options) error {
	if err := n.check(); err != nil {
		return fmt.Errorf("notice letters: %w", err)
	}
	used := map[string]bool{}
	var b *book
	for i, l := range n.Letters {
		name := l.Addressee
		if l.EmployeeCode != "" {
			name = l.EmployeeCode + " " + name
		}
		name = sheetName(name, used)
		if b == nil {
			var err error
			if b, err = newBook(name, noticeTitle); err != nil {
				return fmt.Errorf("notice letters: %w", err)
			}
			defer b.f.Close()
		} else if _, err := b.f.NewSheet(name); err != nil {
			return fmt.Errorf("notice letters: adding sheet %d: %w", i+1, err)
		}
		if err := b.letter(name, n, l); err != nil {
			return fmt.Errorf("notice letters: letter %d: %w", i+1, err)
		}
	}
	if err := b.finish(w, opts); err != nil {
		return fmt.Errorf("notice letters: %w", err)
	}
	return nil
}

// check validates n; its errors name the field.
func (n Notices) check() error {
	if err := require("Company", n.Company); err != nil {
		return err
	}
	if n.Date.IsZero() {
		return fieldErr("Date", ErrMissing)
	}
	if len(n.Purposes) == 0 {
		return fieldErr("Purposes", ErrMissing)
	}
	for i, p := range n.Purposes {
		if err := require(fmt.Sprintf("Purposes[%d]", i), p); err != nil {
			return err
		}
	}
	s := n.Submit
	for _, f := range []struct{ name, text string }{
		{"Sender", n.Sender}, {"Contact", n.Contact},
		{"Submit.InPerson", s.InPerson}, {"Submit.Mail", s.Mail}, {"Submit.URL", s.URL},
	} {
		if err := checkText(f.name, f.text); err != nil {
			return err
		}
	}
	online := s.URL != ""
	for _, l := range n.Letters {
		online = online || l.URL != ""
	}
	if s.InPerson == "" && s.Mail == "" && !online {
		return fieldErr("Submit", ErrMissing)
	}
	if len(n.Letters) == 0 {
		return fieldErr("Letters", ErrMissing)
	}
	for i, l := range n.Letters {
		p := fmt.Sprintf("Letters[%d].", i)
		if err := require(p+"Addressee", l.Addressee); err != nil {
			return err
		}
		for _, f := range []struct{ name, text string }{
			{"Department", l.Department}, {"EmployeeCode", l.EmployeeCode}, {"URL", l.URL},
		} {
			if err := checkText(p+f.name, f.text); err != nil {
				return err
			}
		}
		if l.URL == "" && s.URL == "" {
			continue
		}
		for _, f := range []struct{ name, text string }{
			{"CompanyID", l.CompanyID}, {"EmployeeCode", l.EmployeeCode}, {"OneTimePassword", l.OneTimePassword},
		} {
			if err := require(p+f.name, f.text); err != nil {
				return err
			}
		}
		if l.Expires.IsZero() {
			return fieldErr(p+"Expires", ErrMissing)
		}
	}
	return nil
}

// Notice letter columns: A is a narrow indent, B–H the text; G–H hold the QR code.
var noticeWidths = []float64{3, 12, 12, 12, 12, 12, 11, 11}

// noticeTextWidth is the width of B–H in characters, for estimating wrapped row heights.
const noticeTextWidth = 82

// letter writes one letter on sheet.
func (b *book) letter(sheet string, n Notices, l Letter) error {
	title := noticeTitle
	if n.Reminder {
		title = "【再通知】" + noticeTitle
	}
	// Each letter is one page of its own: its footer names the addressee's code instead of a
	// page number, which a printer would count across all the letters of the file.
	footer := title
	if l.EmployeeCode != "" {
		footer += "　従業員コード " + l.EmployeeCode
	}
	if err := b.pageSetupOnePage(sheet, portrait, footer); err != nil {
		return err
	}
	if err := b.widths(sheet, noticeWidths...); err != nil {
		return err
	}
	r := 1
	// line writes a text across B–H (or A–H when indent is false) and moves down.
	line := func(text string, style int, indent bool) error {
		first, width := "B", float64(noticeTextWidth)
		if !indent {
			first, width = "A", width+3
		}
		if err := b.put(sheet, first+strconv.Itoa(r), "H"+strconv.Itoa(r), text, style); err != nil {
			return err
		}
		if h := rowHeight(text, width); h > 0 {
			if err := b.height(sheet, r, h); err != nil {
				return err
			}
		}
		r++
		return nil
	}
	addressee := l.Addressee + " 様"
	if l.Department != "" {
		addressee = l.Department + "　" + addressee
	}
	if err := line(jpdate.Wareki(n.Date), b.right, false); err != nil {
		return err
	}
	r++
	if err := line(addressee, b.heading, false); err != nil {
		return err
	}
	r++
	for _, s := range []string{n.Company, n.Sender} {
		if s == "" {
			continue
		}
		if err := line(s, b.right, false); err != nil {
			return err
		}
	}
	r++
	if err := b.put(sheet, "A"+strconv.Itoa(r), "H"+strconv.Itoa(r), title, b.title); err != nil {
		return err
	}
	if err := b.height(sheet, r, 30); err != nil {
		return err
	}
	r += 2
	if n.Reminder {
		if err := line(noticeReminder, b.heading, false); err != nil {
			return err
		}
	}
	if err := line(noticeBody, b.wrap, false); err != nil {
		return err
	}
	r++

	// 1. 利用目的
	if err := line("1. 利用目的", b.heading, false); err != nil {
		return err
	}
	for i, p := range n.Purposes {
		if err := line(fmt.Sprintf("（%d）%s", i+1, p), b.wrap, true); err != nil {
			return err
		}
	}
	r++

	// 2. ご提出の方法
	url := l.URL
	if url == "" {
		url = n.Submit.URL
	}
	if err := line("2. ご提出の方法", b.heading, false); err != nil {
		return err
	}
	var ways []string
	if n.Submit.InPerson != "" {
		ways = append(ways, "窓口へお持ちください："+n.Submit.InPerson)
	}
	if n.Submit.Mail != "" {
		ways = append(ways, "写しを郵送してください："+n.Submit.Mail)
	}
	if url != "" {
		ways = append(ways, "スマートフォンまたはパソコンから提出できます（3. をご覧ください）。")
	}
	for i, w := range ways {
		if err := line(fmt.Sprintf("（%d）%s", i+1, w), b.wrap, true); err != nil {
			return err
		}
	}
	if !n.Submit.Deadline.IsZero() {
		if err := line("提出期限："+jpdate.Wareki(n.Submit.Deadline), b.heading, true); err != nil {
			return err
		}
	}
	if err := line(noticeIDDocs, b.wrap, true); err != nil {
		return err
	}
	r++

	// 3. オンラインでのご提出
	if url != "" {
		if err := b.online(sheet, &r, url, l, n.Reminder); err != nil {
			return err
		}
		r++
	}
	if n.Contact != "" {
		if err := line("お問い合わせ先："+n.Contact, b.wrap, false); err != nil {
			return err
		}
	}
	return nil
}

// online writes section 3 from row *r: the URL and credentials in B–F and the QR code of the
// URL in G–H.
func (b *book) online(sheet string, r *int, url string, l Letter, reminder bool) error {
	row := func() string { return strconv.Itoa(*r) }
	if err := b.put(sheet, "A"+row(), "H"+row(), "3. オンラインでのご提出", b.heading); err != nil {
		return err
	}
	*r++
	qrRow := *r
	if err := b.put(sheet, "B"+row(), "F"+row(), "右のQRコードを読み取るか、次のアドレスを開いてください。", b.wrap); err != nil {
		return err
	}
	*r++
	if err := b.put(sheet, "B"+row(), "F"+row(), url, b.wrap); err != nil {
		return err
	}
	if h := rowHeight(url, 60); h > 0 {
		if err := b.height(sheet, *r, h); err != nil {
			return err
		}
	}
	*r++
	creds := [][2]string{
		{"企業ID", l.CompanyID},
		{"従業員コード", l.EmployeeCode},
		{"初回パスワード", l.OneTimePassword},
		{"有効期限", instantJA(l.Expires) + " まで"},
	}
	for _, c := range creds {
		if err := b.put(sheet, "B"+row(), "C"+row(), c[0], b.label); err != nil {
			return err
		}
		if err := b.put(sheet, "D"+row(), "F"+row(), c[1], b.cell); err != nil {
			return err
		}
		// Four rows of 24 pt and the two above are taller than the QR code (about 123 pt), so
		// the warning below starts under the picture.
		if err := b.height(sheet, *r, 24); err != nil {
			return err
		}
		*r++
	}
	warning := noticeOTP
	if reminder {
		warning = noticeReminderOTP + warning
	}
	// The warning stays left of the QR code's columns, should a printer draw it taller.
	if err := b.put(sheet, "B"+row(), "F"+row(), warning, b.small); err != nil {
		return err
	}
	if err := b.height(sheet, *r, max(26, rowHeight(warning, 60*10/9))); err != nil {
		return err
	}
	*r++
	png, err := qrPNG(url)
	if err != nil {
		return err
	}
	yes := true
	if err := b.f.AddPictureFromBytes(sheet, "G"+strconv.Itoa(qrRow), &excelize.Picture{
		Extension: ".png",
		File:      png,
		Format: &excelize.GraphicOptions{
			AltText: "提出用アドレスのQRコード", PrintObject: &yes, LockAspectRatio: true,
			OffsetX: 8, Positioning: "oneCell",
		},
	}); err != nil {
		return fmt.Errorf("adding QR code: %w", err)
	}
	return nil
}

// qrModulePixels is the size of one QR module in the PNG. With the 4-module quiet zone a
// version 4 code (a 60-character URL at level M) is 164 pixels, about 4.3 cm at 96 dpi.
const qrModulePixels = 4

// qrPNG encodes text as a QR code (error correction level M) in a PNG image.
func qrPNG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, fmt.Errorf("encoding QR code: %w", err)
	}
	code.Scale = qrModulePixels
	return code.PNG(), nil
}

// rowHeight estimates the height in points that a wrapped text needs in a merged cell of
// width characters (full-width characters count two), or 0 for one line at the default
// height.
func rowHeight(text string, width float64) float64 {
	// A cell's padding takes about one character of its width.
	width = max(1, width-1)
	lines := 0
	for _, para := range strings.Split(text, "\n") {
		w := 0
		for _, c := range para {
			if c >= 0x1100 {
				w += 2
			} else {
				w++
			}
		}
		lines += max(1, int(math.Ceil(float64(w)/width)))
	}
	if lines <= 1 {
		return 0
	}
	return float64(lines)*15 + 4
}

// rowFit is the height a row needs so that every one of its cells shows its whole text:
// the tallest of [rowHeight] over the cells (texts[i] in a column of widths[i]), or 0 when
// every cell fits on one line.
func rowFit(widths []float64, texts ...string) float64 {
	h := 0.0
	for i, s := range texts {
		if i < len(widths) {
			h = max(h, rowHeight(s, widths[i]))
		}
	}
	return h
}
