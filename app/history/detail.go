package history

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/mynumber-shelter/shelter/app/collect"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/store"
)

// A detail is written by the use cases as short English segments joined by "; " ("employee
// registered; code=E0001", "collection status requested → registered; request 3"). detail
// translates each segment it knows, resolves the ids in it to names, and keeps a segment it
// does not know as written (English), so that nothing of an entry is ever hidden.

// rule translates one segment. ja and en are templates with $1 … for the submatches; fn, when
// set, writes the segment instead (for ids to resolve).
type rule struct {
	re     *regexp.Regexp
	ja, en string
	fn     func(r *Reader, m []string) (string, error)
}

func seg(pattern, ja, en string) rule {
	return rule{re: regexp.MustCompile(`^` + pattern + `$`), ja: ja, en: en}
}

func segFn(pattern string, fn func(r *Reader, m []string) (string, error)) rule {
	return rule{re: regexp.MustCompile(`^` + pattern + `$`), fn: fn}
}

// personRef writes "… person N …" with the person's name.
func personRef(ja, en string) func(r *Reader, m []string) (string, error) {
	return func(r *Reader, m []string) (string, error) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		p, err := r.person(id)
		return strings.ReplaceAll(r.pick(ja, en), "{person}", p), err
	}
}

// statuses writes "collection status A → B" with the statuses' labels.
// madeAt writes a backup's creation time (UTC in the detail, as the backup's header has it) in
// JST, as every time the user reads.
func madeAt(ja, en string) func(r *Reader, m []string) (string, error) {
	return func(r *Reader, m []string) (string, error) {
		at := m[1]
		if t, err := store.ParseTime(m[1]); err == nil && !t.IsZero() {
			at = t.In(jpdate.JST).Format("2006-01-02 15:04") + r.pick("", " JST")
		}
		return strings.ReplaceAll(r.pick(ja, en), "{at}", at), nil
	}
}

func statuses(r *Reader, m []string) (string, error) {
	from, to := collect.Status(m[1]).Label(r.lang), collect.Status(m[2]).Label(r.lang)
	return r.pick("収集状況 "+from+" → "+to, "collection status "+from+" → "+to), nil
}

var rules = []rule{
	// Numbers.
	seg(`my number registered`, "個人番号を登録", "My Number registered"),
	seg(`my number replaced`, "個人番号を変更", "My Number replaced"),
	seg(`my number revealed`, "個人番号を表示", "My Number shown"),
	seg(`my number revealed; other reason: (.*)`, "個人番号を表示（その他の理由：$1）", "My Number shown (other reason: $1)"),
	seg(`other reason: (.*)`, "その他の理由：$1", "other reason: $1"),
	seg(`copied to clipboard; revealed in entry (\d+)`, "クリップボードにコピー（履歴番号 $1 の表示）", "copied to the clipboard (shown in entry $1)"),
	seg(`corporate number viewed`, "法人番号を表示", "corporate number shown"),
	segFn(`same number as person (\d+) acknowledged`, personRef("同じ番号の方（{person}）がいることを確認のうえ登録", "registered although {person} has the same number")),
	// People.
	seg(`employee registered`, "従業員を登録", "employee registered"),
	seg(`employee registered; code=(.*)`, "従業員を登録（従業員コード $1）", "employee registered (code $1)"),
	seg(`employee code=([^;]*)`, "従業員コード $1 を修正", "employee $1 changed"),
	seg(`employee registered by import`, "CSV取込で従業員を登録", "employee registered by CSV import"),
	seg(`employee updated by import`, "CSV取込で従業員を修正", "employee updated by CSV import"),
	seg(`code=(.*)`, "コード $1", "code $1"),
	seg(`changed: (.*)`, "変更：$1", "changed: $1"),
	seg(`no change`, "変更なし", "no change"),
	segFn(`dependent of person (\d+) registered by import`, personRef("CSV取込で扶養親族を登録（{person}）", "dependent registered by CSV import ({person})")),
	segFn(`dependent of person (\d+) updated by import`, personRef("CSV取込で扶養親族を修正（{person}）", "dependent updated by CSV import ({person})")),
	segFn(`dependent of person (\d+) registered`, personRef("扶養親族を登録（{person}）", "dependent registered ({person})")),
	segFn(`dependent of person (\d+) modified`, personRef("扶養親族を修正（{person}）", "dependent changed ({person})")),
	seg(`employee deleted`, "従業員を削除", "employee deleted"),
	seg(`dependent deleted`, "扶養親族を削除", "dependent deleted"),
	seg(`employee CSV import \(([^)]*)\): rows (\d+), added (\d+), updated (\d+), unchanged (\d+), numbers (\d+), new departments (\d+)`,
		"従業員CSV取込（$1）：$2行、追加 $3、更新 $4、変更なし $5、個人番号 $6、新しい部署 $7",
		"employee CSV import ($1): $2 lines, $3 added, $4 updated, $5 unchanged, $6 numbers, $7 new departments"),
	seg(`employee CSV import \(([^)]*)\): rows (\d+), added (\d+), updated (\d+), unchanged (\d+), dependents added (\d+), updated (\d+), unchanged (\d+), numbers (\d+), new departments (\d+)`,
		"従業員CSV取込（$1）：$2行、追加 $3、更新 $4、変更なし $5、扶養親族 追加 $6・更新 $7・変更なし $8、個人番号 $9、新しい部署 $10",
		"employee CSV import ($1): $2 lines, $3 added, $4 updated, $5 unchanged, dependents $6 added, $7 updated, $8 unchanged, $9 numbers, $10 new departments"),
	// M-4 (app/ui devices): the bridge's settings.
	segFn(`device settings changed: vein sensor (serial set|serial none|external driver (.*)), (\d+) scanner\(s\), hot folder (set|none)`,
		func(r *Reader, m []string) (string, error) {
			vein := map[string][2]string{"serial set": {"シリアル接続", "serial"}, "serial none": {"なし", "none"}}[m[1]]
			if m[2] != "" {
				vein = [2]string{"外部ドライバー " + m[2], "external driver " + m[2]}
			}
			folder := map[string][2]string{"set": {"あり", "set"}, "none": {"なし", "none"}}[m[4]]
			return r.pick("機器の設定を変更：静脈センサー "+vein[0]+"、スキャナー "+m[3]+"台、ホットフォルダ "+folder[0],
				"device settings changed: vein sensor "+vein[1]+", "+m[3]+" scanner(s), hot folder "+folder[1]), nil
		}),
	seg(`device settings not applied: the bridge refused them \((.*)\)`, "機器の設定は反映されていません（機器連携サービスが拒否：$1）",
		"device settings not applied: the bridge refused them ($1)"),
	seg(`device settings not applied: the bridge did not answer`, "機器の設定は反映されていません（機器連携サービスが応答しません）",
		"device settings not applied: the bridge did not answer"),
	seg(`employee import mapping saved`, "取込の列設定を保存", "import mapping saved"),
	seg(`employee import mapping deleted`, "取込の列設定を削除", "import mapping deleted"),
	seg(`department registered`, "部署を登録", "department registered"),
	seg(`department registered; code=(.*)`, "部署を登録（コード $1）", "department registered (code $1)"),
	seg(`department registered by employee import`, "CSV取込で部署を登録", "department registered by CSV import"),
	seg(`department code=(.*)`, "部署（コード $1）を修正", "department $1 changed"),
	seg(`department deleted`, "部署を削除", "department deleted"),
	// Collection (1-3).
	seg(`collection request created`, "収集依頼を作成", "collection request created"),
	seg(`employees=(\d+) persons=(\d+) purposes=([^ ]*) online=(true|false)`, "従業員 $1名（本人・扶養親族 $2名）、利用目的 $3、オンライン提出 $4",
		"$1 employees ($2 people), purposes $3, online $4"),
	seg(`reminder sent`, "再通知", "reminder sent"),
	seg(`employees=(\d+)`, "従業員 $1名", "$1 employees"),
	seg(`notice letters written`, "通知書を作成", "notice letters written"),
	seg(`reminder letters written`, "再通知の通知書を作成", "reminder letters written"),
	seg(`letters=(\d+) online=(true|false)`, "通知書 $1通、オンライン提出 $2", "$1 letters, online $2"),
	segFn(`collection status (\w+) → (\w+)`, statuses),
	seg(`request (\d+)`, "収集依頼 #$1", "collection request #$1"),
	seg(`identity check (\d+) recorded`, "本人確認 #$1 を記録", "identity check #$1 recorded"),
	seg(`channel=(\w+) result=(\w+) images=(\d+)(?: \(card read\))?`, "受付方法 $1、結果 $2、画像 $3件", "channel $1, result $2, $3 images"),
	seg(`reason: (.*)`, "理由：$1", "reason: $1"),
	seg(`(\d+) online submission\(s\) returned`, "オンライン提出 $1件を差戻し", "$1 online submissions sent back"),
	seg(`online submission (\d+) imported from the relay \(relay id (\d+)\)`, "オンライン提出 #$1 を受付", "online submission #$1 accepted"),
	seg(`dependents=(\d+) images=(\d+)`, "扶養親族 $1名、画像 $2件", "$1 dependents, $2 images"),
	seg(`online submission (\d+) image (\d+) viewed`, "オンライン提出 #$1 の画像 $2 を表示", "online submission #$1 image $2 viewed"),
	seg(`online submission (\d+) sent back`, "オンライン提出 #$1 を差戻し", "online submission #$1 sent back"),
	seg(`refusal record exported`, "提供拒否の記録を出力", "refusal record exported"),
	seg(`rows=(\d+) encoding=(\w+)`, "$1行（$2）", "$1 rows ($2)"),
	seg(`1-3 (.*) refused: not assigned to the company`, "1-3 の操作（$1）を拒否：この企業の取扱者ではありません", "1-3 $1 refused: not assigned to the company"),
	// Use (3-1).
	seg(`format=(.*)`, "フォーマット「$1」", "format “$1”"),
	seg(`file=(.*) \((\w+)\)`, "ファイル $1（$2）", "file $1 ($2)"),
	seg(`rows=(\d+)`, "$1件", "$1 rows"),
	seg(`skipped: not notified (\d+), no number (\d+), disposed (\d+)`, "対象外：目的未通知 $1、番号なし $2、廃棄済み $3",
		"left out: not notified $1, no number $2, disposed $3"),
	seg(`substituted=(\d+)`, "代替文字 $1件", "$1 substituted"),
	seg(`omitted=(\d+)`, "除外 $1件", "$1 left out"),
	seg(`persons=(.*)`, "対象者 ID $1", "person ids $1"),
	seg(`download refused: no row`, "ダウンロードを拒否：出力できる方がいません", "download refused: no one to write"),
	seg(`download refused: every row left out \(omitted=(\d+)\)`, "ダウンロードを拒否：全員を除外（$1件）", "download refused: everyone left out ($1)"),
	seg(`download refused: not assigned to the company`, "ダウンロードを拒否：この企業の取扱者ではありません", "download refused: not assigned to the company"),
	seg(`download format deleted: (.*)`, "ダウンロードフォーマット「$1」を削除", "download format “$1” deleted"),
	seg(`columns=(.*)`, "列 $1", "columns $1"),
	// Disposal (4-1).
	seg(`disposal proposed: (\d+) persons \((\d+) employees\), method (\w+)`, "廃棄を起案：$1名（従業員 $2名）、方法 $3",
		"disposal proposed: $1 people ($2 employees), method $3"),
	seg(`disposal approved`, "廃棄を承認", "disposal approved"),
	seg(`disposal rejected: (.*)`, "廃棄を却下：$1", "disposal rejected: $1"),
	seg(`disposal executed: (\d+) persons, method (\w+), certificate (.*)`, "廃棄を実行：$1名、方法 $2、証明書 $3",
		"disposal executed: $1 people, method $2, certificate $3"),
	seg(`my number disposed \((\w+)\) by disposal (\d+), certificate (.*)`, "個人番号を廃棄（$1、廃棄 #$2、証明書 $3）",
		"My Number disposed ($1, disposal #$2, certificate $3)"),
	seg(`my number disposed \((\w+)\) by shared office (.*)`, "共有先の事務所 $2 による廃棄を反映（$1）", "disposal by shared office $2 applied ($1)"),
	seg(`disposal certificate (.*) written \(xlsx\)`, "廃棄証明書 $1 を作成（Excel）", "disposal certificate $1 written (Excel)"),
	seg(`file register written \(xlsx\)`, "特定個人情報ファイル管理台帳を作成（Excel）", "file register written (Excel)"),
	// Users, login, factors.
	seg(`login=(\S+) admin=(true|false)`, "ログインID $1、管理者 $2", "login $1, administrator $2"),
	seg(`login=(.*)`, "ログインID $1", "login $1"),
	seg(`lockout lifted for login=(.*)`, "ログインID $1 のロックを解除", "lockout of $1 lifted"),
	seg(`unknown login ID`, "存在しないログインID", "unknown login ID"),
	seg(`wrong password`, "パスワードが違います", "wrong password"),
	seg(`wrong current password`, "現在のパスワードが違います", "wrong current password"),
	seg(`device secret missing from keychain`, "OSのキーチェーンに端末の鍵がありません", "device secret missing from the keychain"),
	seg(`password accepted`, "パスワードを確認", "password accepted"),
	seg(`waiting for the second factor`, "二要素認証を待っています", "waiting for the second factor"),
	seg(`no second factor enrolled: enrolment required`, "二要素認証が未登録のため登録が必要", "no second factor enrolled: enrolment required"),
	seg(`step-up: password`, "再認証（パスワード）", "step-up with the password"),
	seg(`step-up refused: wrong password`, "再認証を拒否：パスワードが違います", "step-up refused: wrong password"),
	seg(`second-factor policy: (\w+)`, "二要素認証の方針：$1", "second-factor policy: $1"),
	seg(`second-factor policy: (\w+) \(chosen at the enrolment step\)`, "二要素認証の方針：$1（初期設定で選択）", "second-factor policy: $1 (chosen at setup)"),
	seg(`second factor added: (\w+) "(.*)" \(#(\d+)\)`, "二要素認証を登録：$1「$2」", "second factor added: $1 “$2”"),
	seg(`second factor removed: (\w+) "(.*)" \(#(\d+)\)( by an administrator)?`, "二要素認証を削除：$1「$2」", "second factor removed: $1 “$2”"),
	seg(`second factor enrolment refused: (.*)`, "二要素認証の登録を拒否：$1", "second factor enrolment refused: $1"),
	seg(`managers: (.*) → (.*)`, "事務取扱責任者：$1 → $2", "managers: $1 → $2"),
	seg(`handlers: (.*) → (.*)`, "事務取扱担当者：$1 → $2", "handlers: $1 → $2"),
	seg(`JPKI trust anchors removed`, "JPKIの信頼するCAを削除", "JPKI trust anchors removed"),
	// Vault, keys, backup.
	seg(`vault created`, "保管庫を作成", "vault created"),
	seg(`office=(.*)`, "事業所 $1", "office $1"),
	seg(`name=(.*)`, "名称 $1", "name $1"),
	seg(`recovery kit confirmed by typing it back`, "リカバリーキットを入力して確認", "Recovery Kit confirmed by typing it back"),
	seg(`new recovery kit generated; the previous one no longer works`, "新しいリカバリーキットを発行（以前のキットは無効）",
		"new Recovery Kit issued (the previous one no longer works)"),
	seg(`backup to (.*)`, "バックアップ $1", "backup to $1"),
	seg(`key store backup to (.*)`, "鍵ストアのバックアップ $1", "key store backup to $1"),
	seg(`backup set \(data and key store\) written to (.*)`, "バックアップセット（データと鍵ストア）を $1 に作成", "backup set (data and key store) written to $1"),
	segFn(`restored onto this PC from the backup set made (.*)`, madeAt("バックアップ（{at} 作成）からこのPCに復元", "restored onto this PC from the backup made {at}")),
	segFn(`restore from backup made (.*)`, madeAt("バックアップ（{at} 作成）から復元", "restored from the backup made {at}")),
	segFn(`key store restore from backup made (.*)`, madeAt("鍵ストアをバックアップ（{at} 作成）から復元", "key store restored from the backup made {at}")),
	seg(`replica snapshots reach the cloud relay`, "クラウド複製が中継サーバーに届いています", "replica snapshots reach the cloud relay"),
	seg(`replica upload failing: (.*)`, "クラウド複製を送れません：$1", "replica upload failing: $1"),
	seg(`one-time restore code issued for a new PC`, "新しいPC用の復元コードを発行", "one-time restore code issued for a new PC"),
	seg(`history report (\w+), (\d+) rows`, "取扱い履歴レポート（$1、$2件）", "history report ($1, $2 rows)"),
	// Relay and sharing.
	seg(`enrolled with the cloud relay (.*)`, "中継サーバー $1 に登録", "enrolled with the cloud relay $1"),
	seg(`company published on the cloud relay as (\S+) \(submission key registered, (\d+) purposes\)`, "企業を中継サーバーに公開（利用目的 $2件）",
		"company published on the cloud relay ($2 purposes)"),
	seg(`share offered to office (.*)`, "事務所 $1 へ共有を申し出", "sharing offered to office $1"),
	seg(`shared by office (.*)`, "事務所 $1 から共有", "shared by office $1"),
	seg(`share group: offered to one more office, (.*)`, "共有グループ：事務所 $1 へ共有を申し出", "share group: offered to one more office, $1"),
	seg(`share member removed: office (\S+)`, "事務所 $1 を共有から外した", "share member removed: office $1"),
	seg(`shared numbers destroyed`, "共有中の個人番号を消去（廃棄・削除）", "shared numbers destroyed (disposal or deletion)"),
	seg(`the remaining members move to key epoch (\S+)`, "残るメンバーは新しい鍵（$1）に切り替え", "the remaining members move to key epoch $1"),
	seg(`share key epoch (\S+) received from office (\S+)`, "事務所 $2 から共有の新しい鍵（$1）を受信", "new share key epoch $1 received from office $2"),
	seg(`share rejoined: offered again by office (\S+)`, "事務所 $1 からの再度の申し出で共有に戻った", "back in the share: offered again by office $1"),
	seg(`removed members: (.*)`, "共有から外された事務所：$1", "removed members: $1"),
	seg(`share key epoch (\S+) from office (\S+) does not open with this installation's key`,
		"事務所 $2 からの共有の新しい鍵（$1）がこのPCの鍵で開けません（共有をもう一度申し出てもらってください）",
		"share key epoch $1 from office $2 does not open with this installation's key (ask for the share to be offered again)"),
	seg(`share history of office (\S+) does not verify: its chain does not recompute`,
		"事務所 $1 からの取扱い履歴を検証できません：連鎖が一致しません（改ざんの可能性）",
		"share history of office $1 does not verify: its chain does not recompute (possible tampering)"),
	seg(`share history of office (\S+) does not verify: entries are missing before it \(.*\)`,
		"事務所 $1 からの取扱い履歴を検証できません：途中の記録が届いていません",
		"share history of office $1 does not verify: entries are missing before it"),
	seg(`share history of office (\S+) does not verify: it is not authenticated by the member's key`,
		"事務所 $1 からの取扱い履歴を検証できません：相手の端末の鍵で認証されていません",
		"share history of office $1 does not verify: not authenticated by the member's key"),
	// Workstations of the office.
	seg(`workstation: this PC joined the office through workstation (\S+) \(pair code compared\)`,
		"この端末が端末 $1 を通じて事務所に参加（確認コードを照合）", "this PC joined the office through workstation $1 (pair code compared)"),
	seg(`workstation approved: (\S+) \(pair code compared\)`, "端末 $1 を事務所の端末として承認（確認コードを照合）",
		"workstation $1 approved (pair code compared)"),
	seg(`may reveal: (\w+), download: (\w+), dispose: (\w+)`, "番号の表示 $1、ダウンロード $2、廃棄の実行 $3",
		"reveal $1, download $2, dispose $3"),
	seg(`workstation rights: (\S+)`, "端末 $1 の権限を変更", "rights of workstation $1 changed"),
	seg(`this terminal's rights set`, "この端末の権限が設定された", "this terminal's rights were set"),
	seg(`workstation removed from the office: (\S+)`, "端末 $1 を事務所から外した", "workstation $1 removed from the office"),
	seg(`workstations removed from the office: (.*)`, "事務所から外された端末：$1", "workstations removed from the office: $1"),
	seg(`workstation added: (\S+)`, "端末 $1 が事務所に加わった", "workstation $1 joined the office"),
	seg(`workstation added again: (\S+)`, "端末 $1 が事務所に再び加わった", "workstation $1 joined the office again"),
	seg(`the office's workstations as workstation (\S+) knows them`, "端末 $1 から事務所の端末一覧を受信", "the office's workstations as workstation $1 knows them"),
	seg(`workstation (\S+): company offered to it \(every company of the office is\)`, "端末 $1 に企業を共有（事務所の全企業が対象）",
		"company shared with workstation $1 (every company of the office is)"),
	seg(`roles as on workstation (\S+): (.*)`, "端末 $1 と同じ担当を設定：$2", "roles as on workstation $1: $2"),
	seg(`download formats as on workstation (\S+): (.*)`, "端末 $1 と同じダウンロード形式を設定：$2", "download formats as on workstation $1: $2"),
	seg(`share sync: (\d+) records from office (.*), (\d+) conflicts lost`, "共有の同期：事務所 $2 から $1件（競合で採用されなかった変更 $3件）",
		"share sync: $1 records from office $2, $3 conflicts lost"),
}

// codeLabels translate the codes that details carry as values (methods, channels, results,
// factor kinds, booleans, policies).
var codeLabels = map[string][2]string{
	"shred": {"暗号鍵の破棄", "crypto-shredding"}, "mask_number": {"番号のみ削除", "number only"},
	"in_person": {"窓口", "in person"}, "mail": {"郵送", "mail"}, "online": {"オンライン", "online"},
	"ic_card": {"ICカード", "IC card"}, "ok": {"適合", "ok"}, "rejected": {"不適合", "rejected"},
	"vein": {"静脈", "vein"}, "staff_card": {"職員ICカード", "staff card"}, "jpki": {"マイナンバーカード（JPKI）", "My Number card (JPKI)"},
	"true": {"あり", "yes"}, "false": {"なし", "no"},
	"required": {"必須", "required"}, "optional": {"任意", "optional"},
	"vein_driver_not_found": {"ドライバーが見つかりません", "driver not found"}, "vein_driver_not_executable": {"ドライバーを実行できません", "driver not executable"},
	"vein_driver_version": {"ドライバーのプロトコルバージョン違い", "driver protocol version"}, "vein_driver_protocol": {"ドライバーの応答が不正", "driver protocol error"},
	"vein_driver_no_answer": {"ドライバーが応答しません", "driver did not answer"},
	"cp932":                 {"Shift_JIS", "Shift_JIS"}, "utf8bom": {"UTF-8", "UTF-8"}, "encrypted": {"暗号化Excel", "encrypted Excel"},
}

// valuePattern finds the submatches that are codes to translate: whole words only.
var wordPattern = regexp.MustCompile(`^[a-z_0-9]+$`)

// detail translates a whole detail, segment by segment.
func (r *Reader) detail(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	// A rule may cover the whole detail ("employee registered; code=E0001").
	for _, ru := range rules {
		if strings.Contains(ru.re.String(), "; ") && ru.re.MatchString(s) {
			return r.segment(s)
		}
	}
	parts := strings.Split(s, "; ")
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		t, err := r.segment(p)
		if err != nil {
			return "", err
		}
		out = append(out, t)
	}
	return strings.Join(out, r.pick("。", "; ")), nil
}

func (r *Reader) segment(s string) (string, error) {
	for _, ru := range rules {
		m := ru.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		if ru.fn != nil {
			return ru.fn(r, m)
		}
		tmpl := r.pick(ru.ja, ru.en)
		for i := len(m) - 1; i >= 1; i-- {
			v := m[i]
			if l, ok := codeLabels[v]; ok && wordPattern.MatchString(v) {
				v = r.pick(l[0], l[1])
			}
			tmpl = strings.ReplaceAll(tmpl, "$"+strconv.Itoa(i), v)
		}
		return tmpl, nil
	}
	return s, nil
}
