package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mynumber-shelter/shelter/app/ui"
)

// waitRowText waits until the first row of the table body tbody holds want (and, when first is
// false, until some row does).
func waitRowText(b *browser, tbody, want string, first bool) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	err := chromedp.Run(ctx, chromedp.PollFunction(`(s, want, first) => {
		const rows = [...document.querySelectorAll(s + " tr")];
		return first ? !!rows[0] && rows[0].textContent.includes(want) : rows.some(r => r.textContent.includes(want)); }`,
		nil, chromedp.WithPollingArgs(sel(tbody), want, first), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		b.failShot()
		b.t.Fatalf("waiting for %q in the rows of %s: %v", want, tbody, err)
	}
}

// attr returns an attribute of the element, or of the header cell it is in ("" when absent).
func (b *browser) attr(testid, name string) string {
	b.t.Helper()
	var s string
	b.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q);
		return e ? (e.getAttribute(%q) ?? e.closest("th")?.getAttribute(%q) ?? "") : ""; })()`, sel(testid), name, name), &s)
	return s
}

// value returns an input's or a select's value.
func (b *browser) value(testid string) string {
	b.t.Helper()
	var s string
	b.eval(fmt.Sprintf(`(document.querySelector(%q) || {}).value || ""`, sel(testid)), &s)
	return s
}

// TestBrowserLongLists is issue 12 as a 社労士 office's clerk meets it: a client with 120
// employees. The list sorts by the reading (阿部 before 𠮷田 whatever the code), both ways, with
// the arrow and aria-sort on the header button; pages by number, first and last; the page size
// changes; a search typed in hiragana finds the katakana readings and a variant kanji finds its
// common form; the search, sort, page and page size are all still there after opening an
// employee and coming back, and after visiting another screen. 3-1 lists the same people with
// the same pager, its purposes one line high.
func TestBrowserLongLists(t *testing.T) {
	prepareShots(t, "lists")
	app := newApp(t)
	companyID, temp := staffCompany(t, app)
	firstLogin(t, app, "tanaka", temp["tanaka"], tanakaPassword)

	// 120 employees in four families of 30; codes do not follow the readings.
	families := []struct{ name, kana string }{
		{"西郷", "サイゴウ"}, {"𠮷田", "ヨシダ"}, {"髙橋", "タカハシ"}, {"阿部", "アベ"},
	}
	givens := []struct{ name, kana string }{
		{"一郎", "イチロウ"}, {"花子", "ハナコ"}, {"健太", "ケンタ"}, {"美咲", "ミサキ"}, {"翔", "ショウ"},
		{"陽菜", "ヒナ"}, {"大輔", "ダイスケ"}, {"真由美", "マユミ"}, {"拓也", "タクヤ"}, {"結衣", "ユイ"},
	}
	for i := 1; i <= 120; i++ {
		f, g := families[i%4], givens[(i/4)%len(givens)]
		saveEmployee(t, app, ui.Employee{CompanyID: companyID, Code: fmt.Sprintf("E%03d", i),
			Name: f.name + " " + g.name, NameKana: f.kana + " " + g.kana,
			BirthDate: fmt.Sprintf("%d-%02d-%02d", 1960+i%40, 1+i%12, 1+i%28), Sex: "female", HiredOn: "2020-04-01"})
	}
	// The 西郷 family is notified four purposes: 3-1 shows them on one line.
	var saigo []int64
	page, err := app.Employees.Employees(ui.EmployeeQuery{CompanyID: companyID, Search: "サイゴウ", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Employees {
		saigo = append(saigo, e.ID)
	}
	if _, err := app.Collect.CreateRequest(ui.CollectRequestInput{CompanyID: companyID, Title: "年末調整", EmployeeIDs: saigo,
		Purposes: []string{"TAX-WH", "TAX-DECL", "SI-KENPO", "SI-KOYO"}, Online: true}); err != nil {
		t.Fatal(err)
	}
	if err := app.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	// sato, the 責任者, reads the history at the end.
	firstLogin(t, app, "sato", temp["sato"], satoPassword)
	if err := app.Session.Logout(); err != nil {
		t.Fatal(err)
	}

	b, url := openBrowser(t, app)
	s := &storyShots{b: b, story: "lists"}
	b.navigate(url)
	loginAs(b, "tanaka", tanakaPassword)

	// --- 1-2: the first 50 by code, with page numbers.
	b.click("menu-1-2")
	b.waitText("emp-total", "全 120 件中 1–50 件")
	waitRowText(b, "emp-rows", "E001", true)
	b.waitVisible("emp-page-3")
	if got := b.attr("emp-page-1", "aria-current"); got != "page" {
		t.Errorf("page 1 aria-current = %q", got)
	}

	// The page size: 20 a page, six pages.
	b.set("emp-page-size", "20")
	b.waitText("emp-total", "全 120 件中 1–20 件")
	b.waitVisible("emp-page-6")

	// Sort by name: by the reading, アベ first; again: ヨシダ first. The header is a button.
	b.click("emp-sort-name")
	waitRowText(b, "emp-rows", "阿部", true)
	if got := b.attr("emp-sort-name", "aria-sort"); got != "ascending" {
		t.Errorf("name header aria-sort = %q, want ascending", got)
	}
	b.waitText("emp-sort-name", "▲")
	b.click("emp-sort-name")
	waitRowText(b, "emp-rows", "𠮷田", true)
	if got := b.attr("emp-sort-name", "aria-sort"); got != "descending" {
		t.Errorf("name header aria-sort = %q, want descending", got)
	}
	b.waitText("emp-sort-name", "▼")
	// Keyboard: the header button takes Enter.
	b.run("focus the code header", chromedp.Focus(sel("emp-sort-code"), chromedp.ByQuery))
	b.run("press Enter", chromedp.KeyEvent("\r"))
	waitRowText(b, "emp-rows", "E001", true)
	// The redrawn header keeps the focus on that button: Enter again reverses it.
	b.run("press Enter again", chromedp.KeyEvent("\r"))
	waitRowText(b, "emp-rows", "E120", true)
	var focused string
	b.eval(`document.activeElement?.dataset.testid ?? ""`, &focused)
	if focused != "emp-sort-code" {
		t.Errorf("focus after sorting by keyboard: %q", focused)
	}
	b.click("emp-sort-code")
	waitRowText(b, "emp-rows", "E001", true)
	b.click("emp-sort-code")
	waitRowText(b, "emp-rows", "E120", true)
	b.click("emp-sort-name")
	waitRowText(b, "emp-rows", "阿部", true)

	// Pages: last, first, a number, next.
	b.click("emp-last")
	b.waitText("emp-total", "全 120 件中 101–120 件")
	waitRowText(b, "emp-rows", "𠮷田", true)
	b.click("emp-first")
	b.waitText("emp-total", "全 120 件中 1–20 件")
	b.click("emp-page-3")
	b.waitText("emp-total", "全 120 件中 41–60 件")
	b.eval(`document.querySelector('[data-testid="emp-pager"]').scrollIntoView({block: "end"}), true`, nil)
	s.shot("employees-page3-of-6")
	b.click("emp-next")
	b.waitText("emp-total", "全 120 件中 61–80 件")

	// A variant kanji finds its common form, and a hiragana search the katakana reading; a new
	// search starts on its first page.
	b.fill("emp-search", "高橋")
	b.click("emp-find")
	b.waitText("emp-total", "全 30 件中 1–20 件")
	waitRowText(b, "emp-rows", "髙橋", true)
	b.fill("emp-search", "さいごう")
	b.click("emp-find")
	b.waitText("emp-total", "全 30 件中 1–20 件")
	waitRowText(b, "emp-rows", "西郷", true)
	b.click("emp-page-2")
	b.waitText("emp-total", "全 30 件中 21–30 件")
	b.click("emp-sort-name") // descending: 西郷 ユイ first
	b.waitText("emp-total", "全 30 件中 1–20 件")
	waitRowText(b, "emp-rows", "ユイ", true)
	b.click("emp-next")
	b.waitText("emp-total", "全 30 件中 21–30 件")
	s.shot("employees-search-page2")

	// Open an employee on that page and come back: search, sort, page and size are kept.
	var code string
	b.eval(`document.querySelector('[data-testid="emp-rows"] tr').dataset.testid.replace("emp-row-", "")`, &code)
	b.click("emp-edit-" + code)
	b.waitVisible("emp-form")
	b.click("emp-back")
	b.waitText("emp-total", "全 30 件中 21–30 件")
	waitRowText(b, "emp-rows", code, true)
	if got := b.value("emp-search"); got != "さいごう" {
		t.Errorf("search after coming back = %q", got)
	}
	if got := b.value("emp-page-size"); got != "20" {
		t.Errorf("page size after coming back = %q", got)
	}
	if got := b.attr("emp-sort-name", "aria-sort"); got != "descending" {
		t.Errorf("sort after coming back: aria-sort %q", got)
	}

	// --- 3-1: the same people, its own pager and sort; purposes one line high.
	b.click("menu-3-1")
	b.waitText("use-total", "全 120 件中 1–50 件")
	b.set("use-page-size", "100")
	b.waitText("use-total", "全 120 件中 1–100 件")
	b.click("use-sort-name")
	waitRowText(b, "use-rows", "阿部", true)
	b.fill("use-search", "ｻｲｺﾞｳ")
	b.click("use-find")
	b.waitText("use-total", "全 30 件中 1–30 件")
	waitRowText(b, "use-rows", "西郷", true)
	waitRowText(b, "use-rows", "ほか 3 件", true)
	var tallest float64 // a row is the name and its reading high (≈ 54 px), four purposes or not
	b.eval(`Math.max(...[...document.querySelectorAll('[data-testid="use-rows"] tr')].map(tr => tr.offsetHeight))`, &tallest)
	if tallest > 64 {
		t.Errorf("the tallest 3-1 row is %v px: the purposes wrap", tallest)
	}
	var tip string
	b.eval(`document.querySelector('[data-testid="use-rows"] td.purposes').title`, &tip)
	if n := len(strings.Split(tip, "\n")); n != 4 {
		t.Errorf("the purposes tooltip lists %d purposes: %q", n, tip)
	}
	s.shot("use-sorted-search")

	// --- 1-3: the status board pages and sorts the same way; the non-submitters (two lists
	// merged) too.
	b.click("menu-1-3")
	b.waitText("col-total", "全 120 件中 1–100 件")
	b.click("col-sort-status")
	waitRowText(b, "col-rows", "E001", true) // 未依頼 first, in code order
	b.click("col-sort-status")
	waitRowText(b, "col-rows", "西郷", true) // 依頼済 first
	b.set("col-page-size", "20")
	b.waitText("col-total", "全 120 件中 1–20 件")
	b.click("col-count-pending")
	b.waitText("col-total", "全 30 件中 1–20 件")
	b.click("col-sort-name")
	waitRowText(b, "col-rows", "イチロウ", true)
	b.click("col-last")
	b.waitText("col-total", "全 30 件中 21–30 件")
	waitRowText(b, "col-rows", "ユイ", false)
	s.shot("collect-pending-page2")

	// Back in 1-2, where the clerk left it.
	b.click("menu-1-2")
	b.waitText("emp-total", "全 30 件中 21–30 件")
	if got := b.value("emp-search"); got != "さいごう" {
		t.Errorf("1-2's search after 3-1 = %q", got)
	}
	// English: the same pager in the other language.
	b.click("lang-toggle")
	b.waitText("emp-total", "21–30 of 30")
	s.shot("employees-english")
	b.click("lang-toggle")
	b.waitText("emp-total", "全 30 件中 21–30 件")

	// --- 2-1 (sato, the 責任者): the history of those registrations pages by its cursor, with
	// the same pager: next, a page size, numbers of the pages reached, first.
	switchUser(b, "sato", satoPassword)
	b.click("menu-2-1")
	b.waitText("history-total", "1–50")
	b.click("history-next")
	b.waitText("history-total", "51–100")
	b.set("history-page-size", "20")
	b.waitText("history-total", "1–20")
	b.click("history-next")
	b.waitText("history-total", "21–40")
	b.click("history-next")
	b.waitText("history-total", "41–60")
	b.click("history-page-2")
	b.waitText("history-total", "21–40")
	b.waitVisible("history-page-4") // the pages reached stay numbered
	b.click("history-first")
	b.waitText("history-total", "1–20")
	var prevOff, nextOff bool
	b.eval(`document.querySelector('[data-testid="history-prev"]').disabled`, &prevOff)
	b.eval(`document.querySelector('[data-testid="history-next"]').disabled`, &nextOff)
	if !prevOff || nextOff {
		t.Errorf("on the first page: previous disabled %v, next disabled %v", prevOff, nextOff)
	}
	b.eval(`document.querySelector('[data-testid="history-pager"]').scrollIntoView({block: "end"}), true`, nil)
	b.waitVisible("history-pager")
	s.shot("history-pages")
}
