package dispose

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/report"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

func executedDisposal(reason string) Disposal {
	at := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
	return Disposal{
		ID: 1, CompanyID: 1, CompanyName: "株式会社テスト商事", Status: StatusExecuted, Method: MethodShred,
		Reason: reason, CertificateNo: "MS-2026-0001",
		ApprovedBy: UserRef{Login: "sato", DisplayName: "佐藤 花子"}, ApprovedAt: at,
		ExecutedBy: UserRef{Login: "tanaka", DisplayName: "田中 次郎"}, ExecutedAt: at,
		Items: []Item{
			{PersonID: 1, EmployeeCode: "E0001", Name: "山田 太郎", Relation: "本人",
				FileKinds: []string{KindMyNumber, KindIdentityDocuments, string(DocWithholdingSlip), string(DocHealthPension)}},
			{PersonID: 2, EmployeeCode: "E0001", Name: "山田 花子", Relation: "配偶者",
				FileKinds: []string{KindMyNumber, string(DocDependentsDeclaration)}},
		},
	}
}

// The certificate states what this system destroyed (numbers, images, keys), never the
// paper documents it did not hold, and its wording follows why the disposal was made.
func TestCertificateForStatesWhatWasDestroyedAndWhy(t *testing.T) {
	due := CertificateFor(executedDisposal(""), "さくら社会保険労務士事務所", time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC))
	early := CertificateFor(executedDisposal("本人の申出により（退職前）"), "さくら社会保険労務士事務所", time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC))

	if due.Statement != "" {
		t.Errorf("retention ended: statement %q, want the default (保存期間の経過)", due.Statement)
	}
	if !strings.Contains(report.CertificateStatement, "保存期間が経過") {
		t.Fatalf("default statement %q does not say the retention ended", report.CertificateStatement)
	}
	if strings.Contains(early.Statement, "保存期間") || !strings.Contains(early.Statement, "本人の申出により（退職前）") {
		t.Errorf("disposal with a reason: statement %q, want the reason and no 保存期間", early.Statement)
	}
	for _, c := range []report.Certificate{due, early} {
		for _, it := range c.Items {
			for _, paper := range []string{"源泉徴収票", "健康保険", "扶養控除"} {
				if strings.Contains(it.Kind, paper) {
					t.Errorf("item %s %s lists %q, a document this system never held: %q", it.EmployeeCode, it.Relation, paper, it.Kind)
				}
			}
			if !strings.Contains(it.Kind, "個人番号") {
				t.Errorf("item %s %s: kind %q does not name the number", it.EmployeeCode, it.Relation, it.Kind)
			}
		}
	}
	if !strings.Contains(due.Items[0].Kind, "本人確認書類の画像") || strings.Contains(due.Items[1].Kind, "画像") {
		t.Errorf("images: %q / %q", due.Items[0].Kind, due.Items[1].Kind)
	}
}

// The certificate as it prints: one A4 portrait page with every text whole, the reason in
// the statement, and the hand-filled section for paper.
func TestCertificatePrints(t *testing.T) {
	testenv.LibreOffice(t)
	c := CertificateFor(executedDisposal("本人の申出により（退職前）"), "さくら社会保険労務士事務所", time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC))
	var buf bytes.Buffer
	if err := report.WriteDisposalCertificate(&buf, c, report.Options{}); err != nil {
		t.Fatal(err)
	}
	r := testenv.Render(t, map[string][]byte{"certificate": buf.Bytes()})["certificate"]
	if err := r.A4(false); err != nil {
		t.Error(err)
	}
	if r.Pages != 1 {
		t.Errorf("%d pages, want 1", r.Pages)
	}
	want := []string{"特定個人情報 廃棄証明書", "MS-2026-0001", "本人の申出により（退職前）", "山田 花子", "配偶者",
		"個人番号（暗号化データ及び個人鍵）", "本人確認書類の画像", report.MethodCryptoShred,
		"本システム外の書類", "佐藤 花子", "田中 次郎"}
	if missing := r.Missing(want...); len(missing) > 0 {
		t.Errorf("not printed whole: %q", missing)
	}
	if ov := r.Overlaps(); len(ov) > 0 {
		t.Errorf("text over text: %v", ov)
	}
}
