package report

import (
	"fmt"
	"iter"
	"time"
)

// Test numbers. validNumber passes the check digit and is obviously fake; the fixtures
// carry other digit runs (codes, phone numbers, a 12-digit run with a wrong check digit) to
// show that only a valid-looking number is refused or found.
const (
	validNumber   = "123456789018"
	invalidNumber = "123456789012" // wrong check digit
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func fixtureNotices() Notices {
	return Notices{
		Company: "株式会社サンプル商事",
		Sender:  "人事部 事務取扱責任者 佐藤 花子",
		Date:    day(2025, 4, 1),
		Purposes: []string{
			"給与所得の源泉徴収票作成事務",
			"健康保険・厚生年金保険届出事務",
			"雇用保険届出事務",
		},
		Submit: Submission{
			InPerson: "本社2階 人事部（平日9時〜17時）",
			Mail:     "〒100-0001 東京都千代田区千代田1-1 人事部 マイナンバー係（03-1234-5678）",
			URL:      "https://shelter.example.jp/s/SAMPLE01",
			Deadline: day(2025, 4, 30),
		},
		Contact: "人事部 山田（内線 123、管理番号 " + invalidNumber + "）",
		Letters: []Letter{
			{Addressee: "山田 太郎", Department: "営業部", EmployeeCode: "E0001", CompanyID: "SAMPLE01",
				OneTimePassword: "test-otp-0001", Expires: time.Date(2025, 4, 30, 8, 0, 0, 0, time.UTC)},
			{Addressee: "鈴木 一郎", EmployeeCode: "E0002", CompanyID: "SAMPLE01", OneTimePassword: "test-otp-0002",
				Expires: time.Date(2025, 4, 30, 8, 0, 0, 0, time.UTC),
				URL:     "https://shelter.example.jp/s/SAMPLE01?code=E0002"},
			// A name that needs cleaning and a duplicate sheet name.
			{Addressee: "鈴木 一郎", EmployeeCode: "E0002", CompanyID: "SAMPLE01", OneTimePassword: "test-otp-0003",
				Expires: time.Date(2025, 4, 30, 8, 0, 0, 0, time.UTC)},
			{Addressee: "髙橋/[臨時]", EmployeeCode: "P-9", CompanyID: "SAMPLE01", OneTimePassword: "test-otp-0004",
				Expires: time.Date(2025, 4, 30, 8, 0, 0, 0, time.UTC)},
		},
	}
}

func fixtureHeader() HistoryHeader {
	return HistoryHeader{
		Office:      "さくら社会保険労務士事務所",
		Company:     "株式会社サンプル商事",
		From:        day(2025, 4, 1),
		To:          day(2025, 4, 30),
		Conditions:  "操作：すべて",
		GeneratedAt: time.Date(2025, 5, 1, 0, 30, 0, 0, time.UTC),
		GeneratedBy: "sato",
		Chain:       ChainState{Verified: true, OK: true, Entries: 1234},
		ByAction:    []Tally{{"ログイン", 12}, {"照会", 12}, {"出力", 12}, {"登録", 12}, {"廃棄", 12}},
		ByUser:      []Tally{{"佐藤 花子 (sato)", 60}},
	}
}

var fixtureActions = []string{"ログイン", "照会", "出力", "登録", "廃棄"}

// fixtureRow returns the deterministic history row i (1-based).
func fixtureRow(i int) HistoryRow {
	r := HistoryRow{
		ID:          int64(i),
		At:          time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 97 * time.Second),
		User:        "sato",
		Workstation: "PC-JINJI-01",
		Action:      fixtureActions[i%len(fixtureActions)],
		Company:     "株式会社サンプル商事",
		Target:      fmt.Sprintf("従業員 E%04d", i%500),
		Purpose:     "TAX-WH 源泉徴収票作成",
		Result:      "成功",
		Detail:      fmt.Sprintf("個人番号を照会（マスク解除 30秒）No.%d", i),
	}
	if i%7 == 0 {
		r.Result = "失敗"
		r.Detail = "=HYPERLINK(\"http://x\") 理由, \"引用\"\n2行目"
	}
	return r
}

// fixtureRows yields rows 1..n.
func fixtureRows(n int) iter.Seq2[HistoryRow, error] {
	return func(yield func(HistoryRow, error) bool) {
		for i := 1; i <= n; i++ {
			if !yield(fixtureRow(i), nil) {
				return
			}
		}
	}
}

// rowsOf yields the given rows.
func rowsOf(rows ...HistoryRow) iter.Seq2[HistoryRow, error] {
	return func(yield func(HistoryRow, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func fixtureCertificate() Certificate {
	return Certificate{
		Number:      "MS-2025-0001",
		IssuedOn:    day(2025, 5, 2),
		Office:      "さくら社会保険労務士事務所",
		Company:     "株式会社サンプル商事",
		DisposedOn:  day(2025, 5, 1),
		Responsible: "佐藤 花子",
		Operator:    "田中 次郎",
		ApprovedOn:  day(2025, 4, 28),
		Note:        "問い合わせ 03-1234-5678（受付番号 " + invalidNumber + "）",
		Items: []DisposedItem{
			{EmployeeCode: "E0001", Name: "山田 太郎", Relation: "本人", Kind: "個人番号", Reason: "退職（保存期間経過）"},
			{EmployeeCode: "E0001", Name: "山田 花子", Relation: "配偶者", Kind: "個人番号", Reason: "退職（保存期間経過）"},
			{EmployeeCode: "E0001", Name: "山田 太郎", Relation: "本人", Kind: "本人確認書類の画像", Method: "画像データの削除（暗号鍵の破棄）"},
		},
	}
}

func fixtureRegister() Register {
	return Register{
		Office:  "さくら社会保険労務士事務所",
		Company: "株式会社サンプル商事",
		AsOf:    day(2025, 4, 1),
		Files: []RegisterFile{
			{
				Name:          "従業員等の個人番号（MyNumber Shelter 保管庫）",
				Responsible:   "佐藤 花子",
				Department:    "人事部",
				Purposes:      []string{"給与所得の源泉徴収票作成事務", "健康保険・厚生年金保険届出事務"},
				Retention:     "在職中及び退職後は書類ごとの法定保存期間",
				Disposal:      "令和7年3月31日 退職者3名分を廃棄（証明書 MS-2025-0001）",
				AccessHolders: []string{"佐藤 花子（事務取扱責任者）", "田中 次郎（事務取扱担当者）"},
			},
			{
				Name:          "扶養控除等(異動)申告書（紙・鍵付き書庫）",
				Responsible:   "佐藤 花子",
				Department:    "総務部",
				Purposes:      []string{"給与所得の源泉徴収票作成事務"},
				Retention:     "7年（提出期限の属する年の翌年1月11日から）",
				Disposal:      "未到来",
				AccessHolders: []string{"田中 次郎"},
			},
		},
	}
}
