package bridge

import "fmt"

// Every code the bridge answers with has its words here, once: the form field it concerns
// and what a handler reads, in Japanese and English (what happened, and what to do). The app
// and shelterctl show a *Error through its methods below (apperr.Coded), so no caller keeps a
// switch of its own; the daemon's test fails when it answers with a code this table lacks.
var texts = map[string]struct{ field, ja, en string }{
	// The bridge and its requests.
	"forbidden":        {"", "この shelter-bridge は、起動したユーザー以外からは使えません。同じユーザーでアプリを起動してください。", "Only the user who runs this shelter-bridge may use it. Start the app as that user."},
	"bad_request":      {"", "shelter-bridge が要求を受け付けませんでした（入力の形式が正しくありません）。入力内容を確認してください。", "shelter-bridge refused the request (its input is not valid). Check what you entered."},
	"internal":         {"", "shelter-bridge で内部エラーが発生しました。shelter-bridge を再起動してください。", "shelter-bridge had an internal error. Restart shelter-bridge."},
	"state":            {"", "shelter-bridge がセッションを記録できませんでした。shelter-bridge のフォルダに書き込めるか確認してください。", "shelter-bridge could not record the session. Check that its folder is writable."},
	"state_error":      {"", "shelter-bridge が自分のデータを読み書きできませんでした。ディスクの空きと shelter-bridge のフォルダを確認してください。", "shelter-bridge could not read or write its own data. Check the free disk space and its folder."},
	"keychain":         {"", "OS のキーチェーン（資格情報マネージャー）が鍵の保存を拒否しました。OS にログインし直してから、もう一度お試しください。", "The OS keychain (Credential Manager) refused the key. Log in to the OS again and retry."},
	"no_session":       {"", "shelter-bridge にこのセッションの鍵がありません（期限切れかログアウト済み）。ログインし直してください。", "shelter-bridge holds no key for this session (expired or logged out). Log in again."},
	"bad_config":       {"", "機器の設定が正しくありません。入力内容を確認してください。", "The device settings are not valid. Check them."},
	"config_not_saved": {"", "shelter-bridge が設定ファイルを保存できませんでした。ディスクの空きとフォルダの書き込み権限を確認してください。", "shelter-bridge could not save its settings file. Check the free disk space and the folder's permissions."},

	// Card readers and the My Number card.
	"no_service":        {"", "スマートカードのサービスが動いていません。", "The smart card service is not running."},
	"no_reader":         {"reader", "カードリーダーが見つかりません。接続を確認してください。", "No card reader was found. Check the connection."},
	"choose_reader":     {"reader", "カードリーダーが複数つながっています。使うリーダーを選んでください。", "Several card readers are connected. Choose one."},
	"no_card":           {"", "カードをリーダーに置いてください。", "Put the card on the reader."},
	"wrong_pin":         {"pin", "暗証番号が違います。", "The PIN is wrong."}, // with the tries left, see Japanese
	"bad_pin_format":    {"pin", "暗証番号は数字4桁です。", "The PIN is 4 digits."},
	"pin_locked":        {"", "暗証番号がロックされています。お住まいの市区町村で再設定してください。", "The PIN is locked. The card holder must reset it at their municipal office."},
	"last_try":          {"pin", "残り1回です。間違えるとロックされます。確認のうえ、もう一度読み取ってください。", "One try is left; a wrong PIN locks the card. Confirm and read again."},
	"card_removed":      {"", "読み取り中にカードが外れました。何も記録していません。カードを置き直してください。", "The card was removed during the read. Nothing was recorded. Put it back on the reader."},
	"not_mynumber_card": {"", "マイナンバーカードではないカードです。マイナンバーカードを置いてください。", "This is not a My Number card. Put a My Number card on the reader."},
	"no_kenhojo":        {"", "この世代のマイナンバーカードからは、4桁の暗証番号で個人番号を読み取れません。番号確認書類を見て手入力してください。", "This generation of the My Number card does not let the number be read with the 4-digit PIN. Type it in from the card."},
	"integrity":         {"", "カードのデータが改ざん検知用の値と一致しません。このカードでは確認できません。", "The card's data does not match its own digests. It cannot be used."},
	"card_in_use":       {"", "別のソフトがカードを使用中です。そのソフトを閉じてください。", "Another program is using the card. Close it."},
	"unsupported":       {"", "このカードまたはカードリーダーは、この操作に対応していません。", "This card or reader does not support the operation."},
	"card_error":        {"", "カードを読み取れませんでした。何も記録していません。", "The card could not be read. Nothing was recorded."},

	// The vein sensor.
	"no_sensor":        {"", "静脈センサーが見つかりません。接続と機器の設定（M-4）を確認してください。", "No vein sensor was found. Check the connection and the device settings (M-4)."},
	"timeout":          {"", "時間内に手が確認できませんでした。もう一度お試しください。", "No hand was detected in time. Try again."},
	"cancelled":        {"", "中止しました。", "Cancelled."},
	"unknown_template": {"", "センサーにこの静脈の登録がありません。認証要素を登録し直してください。", "The sensor does not hold this template. Enrol the factor again."},
	"duplicate":        {"", "この手はすでにセンサーに登録されています。", "This hand is already enrolled on the sensor."},
	"capture_mismatch": {"", "読み取った静脈が同じ手のものではありませんでした。最初からやり直してください。", "The captures were not of one hand. Start again."},
	"storage_full":     {"", "センサーの登録数が上限です。使っていない登録を削除してください。", "The sensor holds no more templates. Delete unused ones."},
	"sensor_error":     {"", "静脈センサーでエラーが発生しました。", "The vein sensor reported an error."},
	"vein_driver_not_found": {"veinDriverPath", "指定した外部ドライバーの実行ファイルが見つかりません。パスを確認するか、ドライバーを shelter-bridge と同じフォルダに配置して、その絶対パスを入力してください。",
		"The external driver's executable was not found. Check the path, or put the driver beside shelter-bridge and enter its absolute path."},
	"vein_driver_not_executable": {"veinDriverPath", "指定したファイルは実行できません（フォルダであるか、実行権限がありません）。ドライバーの実行ファイルを指定し、実行権限を付けてください。",
		"The file cannot be run (it is a folder or lacks execute permission). Choose the driver's executable and make it executable."},
	"vein_driver_version": {"veinDriverPath", "外部ドライバーが対応していないプロトコルバージョンで応答しました。このバージョンの shelter-bridge に対応したドライバーに更新してください。",
		"The external driver answered with a protocol version this shelter-bridge does not support. Update the driver to one made for this version."},
	"vein_driver_protocol": {"veinDriverPath", "外部ドライバーの応答が静脈センサーのドライバープロトコルに従っていません。ドライバーの提供元に確認してください。",
		"The external driver's answer does not follow the vein driver protocol. Ask the driver's vendor."},
	"vein_driver_no_answer": {"veinDriverPath", "外部ドライバーが起動しないか、応答しませんでした。ドライバーの引数と、ドライバーのログ（shelter-bridge のログ）を確認してください。",
		"The external driver did not start or did not answer. Check its arguments and its log (in the shelter-bridge log)."},

	// Scanners and the hot folder.
	"no_scanner":   {"scanner", "スキャナーが見つかりません。機器の状態（M-4）で設定を確認してください。", "No scanner was found. Check the settings in Devices (M-4)."},
	"scanner_busy": {"", "スキャナーが使用中です。しばらく待ってから読み取ってください。", "The scanner is busy. Wait a moment and scan again."},
	"jam":          {"", "紙詰まりです。用紙を取り除いてから、もう一度読み取ってください。", "Paper jam. Clear the feeder and scan again."},
	"too_large":    {"", "読み取ったデータが大きすぎます。解像度を下げるか、枚数を減らしてください。", "The scan is too large. Lower the resolution or scan fewer pages."},
	"scan_error":   {"", "読み取れませんでした。スキャナーの状態（用紙・カバー・エラー表示）を確認してください。何も記録していません。", "The scan failed. Check the scanner (paper, covers, its display). Nothing was recorded."},
	"not_found":    {"", "対象が見つかりません（取り込み済みか削除済みです）。画面を更新してください。", "It is no longer there (taken or deleted). Refresh the screen."},

	// The relay.
	"not_enrolled":      {"", "クラウド（中継サーバー）に登録されていません。M-5 で登録してください。", "Not enrolled with the relay. Enrol in M-5."},
	"enrol_refused":     {"token", "登録トークンが使えません（使用済み・期限切れ・誤り）。運用者に新しいトークンを依頼してください。", "The enrolment token was refused (used, expired or wrong). Ask the operator for a new one."},
	"relay_unreachable": {"", "中継サーバーに接続できないか、証明書が信頼できません。URL と CA 証明書を確認してください。", "The relay cannot be reached or its certificate is not trusted. Check the URL and the CA certificate."},
	"relay_refused":     {"", "中継サーバーが要求を受け付けませんでした。しばらく待ってから、もう一度お試しください。続く場合は運用者に連絡してください。", "The relay refused the request. Try again later; if it persists, contact the operator."},
	"config":            {"", "中継サーバーには登録しましたが、shelter-bridge が設定ファイルを保存できませんでした。ディスクの空きを確認して、登録し直してください。", "Enrolled, but shelter-bridge could not save its settings file. Check the free disk space and enrol again."},
	"sync_error":        {"", "クラウド連携でエラーが発生しました。", "The sync failed."},
	"no_item":           {"", "受信した項目が見つかりません（処理済みです）。画面を更新してください。", "No such received item (already handled). Refresh the screen."},
	"not_saved":         {"", "クラウドへ送る控えを保存できませんでした。ディスクの空きを確認してください。", "The snapshot could not be stored for upload. Check the free disk space."},
	"replay":            {"", "中継サーバーが古いデータまたは重複したデータを拒否しました。", "The relay refused a replayed or older envelope."},
	"not_member":        {"", "この会社の共有から外されています（中継サーバーが受け渡しを断りました）。続けるには、共有している事務所の管理者にもう一度申し出てもらってください。", "This office is no longer a member of the company's share (the relay refused it). To go on, ask an administrator of a sharing office to offer it again."},
	"last_member":       {"", "この会社を共有している事務所がほかにないため、最後のメンバーは共有から外せません。", "The company's last member cannot be removed: no other office shares it."},
	"no_reservation":    {"", "送信の準備が期限切れになりました。もう一度お試しください。", "The prepared envelope expired. Try again."},
	"busy":              {"", "送信待ちが多すぎます。しばらく待ってから、もう一度お試しください。", "Too many envelopes are waiting. Try again in a moment."},
}

// Codes the app tells apart.
const (
	CodeWrongPIN  = "wrong_pin"  // Retries says how many tries are left
	CodeLastTry   = "last_try"   // one try left: the PIN was not sent
	CodePINLocked = "pin_locked" // the card's PIN is blocked
)

// Known reports whether code has its words in the table.
func Known(code string) bool {
	_, ok := texts[code]
	return ok
}

// UserCode is the code (apperr.Coded).
func (e *Error) UserCode() string { return e.Code }

// UserField is the form field the code concerns, or "".
func (e *Error) UserField() string { return texts[e.Code].field }

// Japanese is what the user reads. A code the table lacks (a newer bridge) still says who
// answered and with what.
func (e *Error) Japanese() string {
	t, ok := texts[e.Code]
	switch {
	case !ok:
		return "shelter-bridge が処理できませんでした（コード: " + e.Code + "）。shelter-bridge とアプリの版が同じか確認してください。"
	case e.Code == CodeWrongPIN:
		return fmt.Sprintf("%s残り%d回です。", t.ja, e.Retries)
	}
	return t.ja
}

// English is what the user reads in English.
func (e *Error) English() string {
	t, ok := texts[e.Code]
	switch {
	case !ok:
		return "shelter-bridge could not do it (code " + e.Code + "). Check that shelter-bridge and the app are the same version."
	case e.Code == CodeWrongPIN:
		return fmt.Sprintf("%s %d tries left.", t.en, e.Retries)
	case e.Message != "" && (e.Code == "bad_request" || e.Code == "bad_config" || e.Code == "scan_error"):
		return t.en + " (" + e.Message + ")" // the bridge's own detail, in English; never a secret
	}
	return t.en
}
