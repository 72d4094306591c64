package ui

// The menu tree of the seed (導入・設定, 1. 取得・収集, 2. 保管・確認, 3. 利用・提供, 4. 廃棄・証明),
// with the seed's ポイント texts. The frontend renders exactly this.

type menuDef struct {
	section string
	item    MenuItem
	// admin: only system administrators may open it; assigned: only users assigned to at least
	// one company (or administrators, for the screens that manage assignments).
	admin, assigned bool
	// manager: administrators and 事務取扱責任者 only (the history is a supervisor's tool).
	manager bool
}

var menuSections = []MenuSection{
	{ID: "setup", TitleJA: "導入・設定", TitleEN: "Setup"},
	{ID: "collect", TitleJA: "1. 取得・収集", TitleEN: "1. Collection"},
	{ID: "store", TitleJA: "2. 保管・確認", TitleEN: "2. Storage & review"},
	{ID: "use", TitleJA: "3. 利用・提供", TitleEN: "3. Use & provision"},
	{ID: "dispose", TitleJA: "4. 廃棄・証明", TitleEN: "4. Disposal & certificates"},
}

var menuItems = []menuDef{
	{section: "setup", admin: true, item: MenuItem{ID: "M-1", Available: true,
		TitleJA: "企業情報設定", TitleEN: "Office settings",
		SummaryJA: "メインシステムを使用する企業情報を設定します", SummaryEN: "Set up the office that operates this system",
		PointJA: "当システムを運営する企業様の情報を登録して頂きます。例: 税理士事務所様, 社会保険労務士事務所様など",
		PointEN: "Register the office that runs this system, e.g. a tax accountant's or a labour and social security attorney's office."}},
	{section: "setup", admin: true, item: MenuItem{ID: "M-2", Available: true,
		TitleJA: "ユーザー設定", TitleEN: "Users",
		SummaryJA: "メインシステムを使用するユーザーを登録します", SummaryEN: "Register the users of this system",
		PointJA: "ここで登録・設定されたログインユーザー権が、個別契約される各クライアント企業様のマイナンバー「事務取扱責任者」「事務取扱担当者」として設定することになります。",
		PointEN: "The login users registered here are the ones later named manager (事務取扱責任者) and handlers (事務取扱担当者) for each client company."}},
	{section: "setup", admin: true, item: MenuItem{ID: "M-3", Available: true,
		TitleJA: "契約企業情報 照会・設定", TitleEN: "Client companies",
		SummaryJA: "マイナンバー管理業務を行う企業情報を設定します", SummaryEN: "Set up the companies whose My Number work you handle",
		PointJA: "マイナンバー収集保管管理業務を委託された企業を登録します。ここで登録された企業ごとに、従業員等のマイナンバーが管理されます。",
		PointEN: "Register the companies that entrusted their My Number collection and storage to you. Each company's numbers are kept apart, under its own key."}},
	{section: "setup", admin: true, item: MenuItem{ID: "M-4", Available: true,
		TitleJA: "機器の状態", TitleEN: "Devices",
		SummaryJA: "カードリーダー・静脈センサー・スキャナーの状態と設定を確認します", SummaryEN: "State and settings of card readers, vein sensors and scanners",
		PointJA: "機器連携サービス（shelter-bridge）が扱う機器の状態と最後のエラーを一覧で確認し、スキャナーや取り込みフォルダを設定します。アプリを閉じても取り込みフォルダの監視は続きます。",
		PointEN: "See every device the device service (shelter-bridge) handles, with its state and last error, and set up scanners and the hot folder. The folder keeps being watched while the app is closed."}},
	{section: "setup", admin: true, item: MenuItem{ID: "M-5", Available: true,
		TitleJA: "クラウド連携・バックアップ", TitleEN: "Cloud relay and backup",
		SummaryJA: "データのバックアップと、従業員のスマートフォン提出を受け取る中継サーバーとの連携を設定します", SummaryEN: "Back up the data, and connect to the relay that receives employees' submissions from phones",
		PointJA: "バックアップはデータと鍵ストアを一緒にUSBドライブなどへ保存し、PCが故障しても初期設定画面の「バックアップから復元」とリカバリーキットで戻せます。運用者から受け取った登録トークンで中継サーバーに登録し、契約企業を公開すると、従業員はスマートフォンからマイナンバーを提出できます。中継サーバーは暗号文しか保持しません。",
		PointEN: "A backup saves the data and the key store together to a USB drive or a folder; if the PC fails, 「Restore from a backup」 on the first-start screen and the Recovery Kit bring it back. Enrol with the relay using the operator's token and publish a client company; its employees can then submit from their phones. The relay only ever holds ciphertext."}},
	{section: "setup", admin: true, item: MenuItem{ID: "M-6", Available: true,
		TitleJA: "データ共有", TitleEN: "Data sharing",
		SummaryJA: "契約企業のデータを企業様・事務所のシステムと共有します", SummaryEN: "Share a client company's data with another installation",
		PointJA: "委託元企業（または委託先事務所）のシステムと、同じ企業の従業員・マイナンバー・廃棄・取扱い履歴を中継サーバー経由で共有します。共有の前に、相手の管理者と鍵のフィンガープリントを電話等で照合してください。",
		PointEN: "Share one company's employees, numbers, disposals and handling history with that company's (or its office's) own installation through the relay. Compare key fingerprints with the other administrator by phone before sharing."}},
	{section: "collect", admin: true, item: MenuItem{ID: "1-1", Available: true,
		TitleJA: "マイナンバー取扱者設定", TitleEN: "Number handlers",
		SummaryJA: "マイナンバーを取り扱う管理者・担当者を設定します", SummaryEN: "Name who manages and handles My Numbers",
		PointJA: "マイナンバー事務取扱責任者, 事務取扱担当者の設定を行います。",
		PointEN: "Name the manager (事務取扱責任者) and the handlers (事務取扱担当者) for each company."}},
	{section: "collect", assigned: true, item: MenuItem{ID: "1-2", Available: true,
		TitleJA: "法人マイナンバー・従業員設定", TitleEN: "Corporate number & employees",
		SummaryJA: "法人マイナンバー及び従業員等の設定や一括取込を行います", SummaryEN: "Corporate number, employees and bulk import",
		PointJA: "法人情報のメンテナンス及び法人マイナンバーの設定を行います。(※部門情報メンテナンスも含まれます) また、給与システム, 人事管理システム等の外部システムから出力された従業員情報のCSVファイル等を一括して取り込むことができます。",
		PointEN: "Maintain corporate information, the corporate number and departments, and import employee CSV files exported from payroll or HR systems."}},
	{section: "collect", assigned: true, item: MenuItem{ID: "1-3", Available: true,
		TitleJA: "取得管理", TitleEN: "Collection",
		SummaryJA: "マイナンバーの取得管理業務を行います", SummaryEN: "Collect My Numbers",
		PointJA: "STEP1 通知と同時に企業ID・従業員CD・PWDの発行、STEP2 本人確認書類の確認、STEP3 登録及び状況確認。出力されるファイルはEXCELファイルとしても出力可能ですので、適宜変更してご使用下さい。",
		PointEN: "STEP1 notify and issue credentials, STEP2 check identity documents, STEP3 register and track. Notices are also available as Excel files."}},
	{section: "store", manager: true, item: MenuItem{ID: "2-1", Available: true,
		TitleJA: "取扱い履歴照会 / レポート", TitleEN: "Handling history & report",
		SummaryJA: "管理者, 担当者のマイナンバー取扱い履歴の確認を行います", SummaryEN: "Review the handling history",
		PointJA: "マイナンバー事務取扱責任者, 事務取扱担当者の取り扱った履歴をレポートとして閲覧・出力することが可能です。",
		PointEN: "View and export everything managers and handlers did, as a report."}},
	{section: "use", assigned: true, item: MenuItem{ID: "3-1", Available: true,
		TitleJA: "法人・個人マイナンバー照会", TitleEN: "Look up numbers",
		SummaryJA: "マイナンバーを利用します", SummaryEN: "Use My Numbers",
		PointJA: "マイナンバー事務取扱責任者, 事務取扱担当者のみ閲覧が可能です。また、閲覧理由を選択, または入力しなければ表示できません。ダウンロードフォーマットの設定とCSVダウンロードも行えます。",
		PointEN: "Only managers and handlers can view numbers, and only after choosing or typing a reason. Download formats and CSV download are here too."}},
	{section: "dispose", assigned: true, item: MenuItem{ID: "4-1", Available: true,
		TitleJA: "廃棄処理 / 廃棄証明書", TitleEN: "Disposal & certificate",
		SummaryJA: "個人マイナンバーの廃棄処理を行います", SummaryEN: "Dispose of My Numbers",
		PointJA: "従業員等の退職日等の理由により廃棄する場合に使用します。同時に廃棄証明書を印刷することも可能です。出力されるファイルはEXCELファイルとしても出力可能です。",
		PointEN: "Dispose of numbers when employees leave or retention ends, and print the disposal certificate (also as Excel)."}},
}

// buildMenu returns the menu for a user; assigned reports whether they hold any 1-1 role,
// manager whether any of those is 事務取扱責任者.
func buildMenu(isAdmin, assigned, manager bool) []MenuSection {
	out := make([]MenuSection, len(menuSections))
	copy(out, menuSections)
	for i := range out {
		out[i].Items = []MenuItem{}
		for _, d := range menuItems {
			if d.section != out[i].ID {
				continue
			}
			it := d.item
			it.Enabled = true
			switch {
			case !it.Available:
				it.Enabled = false
				it.ReasonJA, it.ReasonEN = "今後のリリースで提供します", "Coming in a later release"
			case d.admin && !isAdmin:
				it.Enabled = false
				it.ReasonJA, it.ReasonEN = "システム管理者のみ利用できます", "For system administrators only"
			case d.manager && !isAdmin && !manager:
				it.Enabled = false
				it.ReasonJA, it.ReasonEN = "システム管理者・事務取扱責任者のみ利用できます", "For administrators and managers only"
			case d.assigned && !assigned:
				// Numbers are for the company's 責任者 / 担当者 only, administrators included.
				it.Enabled = false
				it.ReasonJA, it.ReasonEN = "事務取扱責任者・担当者に設定されていません", "You are not assigned to any company"
			}
			out[i].Items = append(out[i].Items, it)
		}
	}
	return out
}
