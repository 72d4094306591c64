package history

import "testing"

func TestDetailTranslations(t *testing.T) {
	ja, en := NewReader(nil, "ja"), NewReader(nil, "en")
	for _, c := range []struct{ in, ja, en string }{
		{"my number revealed", "個人番号を表示", "My Number shown"},
		{"employee registered; code=E0001", "従業員を登録（従業員コード E0001）", "employee registered (code E0001)"},
		{"identity check 3 recorded; channel=in_person result=ok images=2; collection status requested → checked",
			"本人確認 #3 を記録。受付方法 窓口、結果 適合、画像 2件。収集状況 依頼済 → 確認済",
			"identity check #3 recorded; channel in person, result ok, 2 images; collection status Requested → Checked"},
		{"disposal executed: 2 persons, method shred, certificate MS-2026-0001", "廃棄を実行：2名、方法 暗号鍵の破棄、証明書 MS-2026-0001",
			"disposal executed: 2 people, method crypto-shredding, certificate MS-2026-0001"},
		{"password accepted; waiting for the second factor", "パスワードを確認。二要素認証を待っています", "password accepted; waiting for the second factor"},
		{"second-factor policy: optional (chosen at the enrolment step)", "二要素認証の方針：任意（初期設定で選択）", "second-factor policy: optional (chosen at setup)"},
		{"managers: sato → sato,suzuki", "事務取扱責任者：sato → sato,suzuki", "managers: sato → sato,suzuki"},
		{"employee CSV import (cp932): rows 3, added 1, updated 1, unchanged 1, numbers 2, new departments 0",
			"従業員CSV取込（Shift_JIS）：3行、追加 1、更新 1、変更なし 1、個人番号 2、新しい部署 0",
			"employee CSV import (Shift_JIS): 3 lines, 1 added, 1 updated, 1 unchanged, 2 numbers, 0 new departments"},
		{"employee CSV import (utf-8): rows 12, added 1, updated 2, unchanged 3, dependents added 4, updated 5, unchanged 6, numbers 7, new departments 8",
			"従業員CSV取込（utf-8）：12行、追加 1、更新 2、変更なし 3、扶養親族 追加 4・更新 5・変更なし 6、個人番号 7、新しい部署 8",
			"employee CSV import (utf-8): 12 lines, 1 added, 2 updated, 3 unchanged, dependents 4 added, 5 updated, 6 unchanged, 7 numbers, 8 new departments"},
		{"device settings changed: vein sensor external driver shelter-vein-example, 2 scanner(s), hot folder set",
			"機器の設定を変更：静脈センサー 外部ドライバー shelter-vein-example、スキャナー 2台、ホットフォルダ あり",
			"device settings changed: vein sensor external driver shelter-vein-example, 2 scanner(s), hot folder set"},
		{"device settings changed: vein sensor serial none, 0 scanner(s), hot folder none",
			"機器の設定を変更：静脈センサー なし、スキャナー 0台、ホットフォルダ なし",
			"device settings changed: vein sensor none, 0 scanner(s), hot folder none"},
		{"device settings not applied: the bridge refused them (vein_driver_version)",
			"機器の設定は反映されていません（機器連携サービスが拒否：ドライバーのプロトコルバージョン違い）",
			"device settings not applied: the bridge refused them (driver protocol version)"},
		{"restored onto this PC from the backup set made 2026-12-01T16:30:00.000Z", "バックアップ（2026-12-02 01:30 作成）からこのPCに復元",
			"restored onto this PC from the backup made 2026-12-02 01:30 JST"},
		{"key store restore from backup made 2026-12-01", "鍵ストアをバックアップ（2026-12-01 作成）から復元", "key store restored from the backup made 2026-12-01"},
		{"replica upload failing: relay_unreachable", "クラウド複製を送れません：relay_unreachable", "replica upload failing: relay_unreachable"},
		{"share member removed: office o-abc; the remaining members move to key epoch e2-0a1b2c3d",
			"事務所 o-abc を共有から外した。残るメンバーは新しい鍵（e2-0a1b2c3d）に切り替え",
			"share member removed: office o-abc; the remaining members move to key epoch e2-0a1b2c3d"},
		{"share key epoch e2-0a1b2c3d received from office o-abc; removed members: o-x, o-y",
			"事務所 o-abc から共有の新しい鍵（e2-0a1b2c3d）を受信。共有から外された事務所：o-x, o-y",
			"new share key epoch e2-0a1b2c3d received from office o-abc; removed members: o-x, o-y"},
		{"workstation approved: office-0a1b (pair code compared); may reveal: true, download: false, dispose: false",
			"端末 office-0a1b を事務所の端末として承認（確認コードを照合）。番号の表示 あり、ダウンロード なし、廃棄の実行 なし",
			"workstation office-0a1b approved (pair code compared); reveal yes, download no, dispose no"},
		{"the office's workstations as workstation office-0a1b knows them; workstation added: office-2c3d; this terminal's rights set; may reveal: true, download: true, dispose: false",
			"端末 office-0a1b から事務所の端末一覧を受信。端末 office-2c3d が事務所に加わった。この端末の権限が設定された。番号の表示 あり、ダウンロード あり、廃棄の実行 なし",
			"the office's workstations as workstation office-0a1b knows them; workstation office-2c3d joined the office; this terminal's rights were set; reveal yes, download yes, dispose no"},
		{"share history of office o-abc does not verify: entries are missing before it (its chain does not continue from the last one received)",
			"事務所 o-abc からの取扱い履歴を検証できません：途中の記録が届いていません",
			"share history of office o-abc does not verify: entries are missing before it"},
		{"download formats as on workstation office-0a1b: 弥生給与用, 年末調整用", "端末 office-0a1b と同じダウンロード形式を設定：弥生給与用, 年末調整用",
			"download formats as on workstation office-0a1b: 弥生給与用, 年末調整用"},
		// Unknown text stays as written: nothing is hidden.
		{"something new happened", "something new happened", "something new happened"},
		{"", "", ""},
	} {
		if got, err := ja.detail(c.in); err != nil || got != c.ja {
			t.Errorf("ja %q = %q (%v), want %q", c.in, got, err, c.ja)
		}
		if got, err := en.detail(c.in); err != nil || got != c.en {
			t.Errorf("en %q = %q (%v), want %q", c.in, got, err, c.en)
		}
	}
}
