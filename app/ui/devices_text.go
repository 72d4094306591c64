package ui

import (
	"regexp"
	"strings"
)

// The bridge reports each device's state with a short English detail (it runs without the
// app and logs in English). deviceDetail puts it in the UI language for M-4; a detail it does
// not know (a scanner's make and model, a reader's name) is shown as the device reports it.
var deviceDetails = []struct {
	re     *regexp.Regexp
	ja, en string
}{
	{regexp.MustCompile(`^smart card service not available$`), "スマートカードのサービス（PC/SC）が動いていません", "The smart card service (PC/SC) is not running"},
	{regexp.MustCompile(`^1 reader$`), "カードリーダー 1台", "1 card reader"},
	{regexp.MustCompile(`^(\d+) readers$`), "カードリーダー ${1}台", "${1} card readers"},
	{regexp.MustCompile(`^no card$`), "カードなし", "No card"},
	{regexp.MustCompile(`^card present$`), "カードあり", "Card present"},
	{regexp.MustCompile(`^waiting for the app's inbox key$`), "アプリの受信用の鍵を待っています（アプリを起動してください）", "Waiting for the app's inbox key (start the app)"},
	{regexp.MustCompile(`^watching; pages are sealed to the app's inbox key$`), "監視中（取り込んだページはアプリの鍵で暗号化されます）", "Watching; pages are encrypted to the app's key"},
	{regexp.MustCompile(`^the folder cannot be read; trying again$`), "フォルダを読めません。再試行します", "The folder cannot be read; trying again"},
	{regexp.MustCompile(`^enrolled as (.+)$`), "中継サーバーに登録済み（${1}）", "Enrolled with the relay (${1})"},
	{regexp.MustCompile(`^not enrolled with a relay$`), "中継サーバーに未登録", "Not enrolled with a relay"},
	{regexp.MustCompile(`^relay not reachable; items stay queued$`), "中継サーバーに接続できません（送信待ちは保持されます）", "Relay not reachable; items stay queued"},
	{regexp.MustCompile(`^sent (\d+), pulled (\d+)$`), "送信 ${1}件、受信 ${2}件", "Sent ${1}, received ${2}"},
	{regexp.MustCompile(`^no vein sensor configured$`), "静脈センサーが設定されていません", "No vein sensor configured"},
	{regexp.MustCompile(`^opening driver (.+)$`), "外部ドライバー ${1} を起動しています", "Starting the external driver ${1}"},
	{regexp.MustCompile(`^no answer on driver (.+)$`), "外部ドライバー ${1} から応答がありません（ドライバーの設定と shelter-bridge のログを確認してください）", "No answer from the external driver ${1} (check its settings and the shelter-bridge log)"},
	{regexp.MustCompile(`^cannot open driver (.+)$`), "外部ドライバー ${1} を開始できません（設定を確認してください）", "The external driver ${1} cannot be started (check the settings)"},
	{regexp.MustCompile(`^cannot open (.+)$`), "${1} を開けません（ポートの設定を確認してください）", "Cannot open ${1} (check the port in the settings)"},
	{regexp.MustCompile(`^(.+), serial (.+), firmware (.+), on driver (.+)$`), "${1}（シリアル ${2}、ファームウェア ${3}、外部ドライバー ${4}）", "${1} (serial ${2}, firmware ${3}, external driver ${4})"},
	{regexp.MustCompile(`^opening (.+)$`), "${1} に接続しています", "Connecting to ${1}"},
	{regexp.MustCompile(`^no answer on (.+)$`), "${1} から応答がありません（接続と電源を確認してください）", "No answer on ${1} (check the cable and power)"},
	{regexp.MustCompile(`^(.+), serial (.+), firmware (.+), on (.+)$`), "${1}（シリアル ${2}、ファームウェア ${3}、${4}）", "${1} (serial ${2}, firmware ${3}, on ${4})"},
	{regexp.MustCompile(`^sensor failed$`), "センサーが故障しています", "The sensor failed"},
}

// deviceDetail is the bridge's detail in lang ("en" or Japanese).
func deviceDetail(detail, lang string) string {
	for _, d := range deviceDetails {
		if d.re.MatchString(detail) {
			tmpl := d.ja
			if strings.HasPrefix(lang, "en") {
				tmpl = d.en
			}
			return d.re.ReplaceAllString(detail, tmpl)
		}
	}
	return detail
}

// The bridge's last errors are Go errors in English. deviceLastError gives the Japanese UI the
// known ones in Japanese (the first match, most specific first); an error not listed is said in
// Japanese with the bridge's text as its detail, and the English UI gets the bridge's text.
var deviceLastErrors = []struct {
	has, ja string
}{
	{"did not answer hello", "外部ドライバーが起動時の問い合わせ（hello）に応答しません。ドライバーと引数を確認してください"},
	{"unsupported driver protocol version", "外部ドライバーのプロトコルバージョンに対応していません。ドライバーを更新してください"},
	{"the driver exited", "外部ドライバーが終了しました。次の操作で再起動します"},
	{"starting driver", "外部ドライバーを起動できません。実行ファイルのパスと権限を確認してください"},
	{"protocol violation", "センサーまたはドライバーの応答が通信手順に従っていません"},
	{"a different sensor is on the line", "別の静脈センサーが接続されています"},
	{"sensor disconnected", "センサーとの接続が切れました。ケーブル・電源・ドライバーを確認してください"},
	{"vein: timed out", "センサーの応答が時間内にありませんでした"},
	{"the smart card service is not running", "スマートカードのサービス（PC/SC）が動いていません"},
	{"no IC card reader is connected", "ICカードリーダーが接続されていません"},
	{"another program is using the card", "別のプログラムがカードを使用中です"},
	{"connection refused", "接続を拒否されました（相手のサーバーが動いているか確認してください）"},
	{"no such host", "接続先のホスト名が見つかりません（URLとネットワークを確認してください）"},
	{"certificate", "接続先の証明書を確認できません"},
	{"i/o timeout", "接続先から時間内に応答がありません"},
	{"deadline exceeded", "接続先から時間内に応答がありません"},
	{"network is unreachable", "ネットワークに接続できません"},
	{"permission denied", "アクセス権がありません"},
	{"access is denied", "アクセス権がありません"},
	{"operation not permitted", "この操作は許可されていません（アクセス権を確認してください）"},
	{"device or resource busy", "機器が別のプログラムに使用されています"},
	{"no such device", "機器が見つかりません（接続と電源を確認してください）"},
	{"no space left on device", "ディスクの空きがありません"},
	{"no such file or directory", "ファイルまたはフォルダが見つかりません"},
	{"cannot find the file specified", "ファイルまたはフォルダが見つかりません"},
	{"cannot find the path specified", "ファイルまたはフォルダが見つかりません"},
}

// deviceLastError is the bridge's last error in lang ("en" or Japanese).
func deviceLastError(msg, lang string) string {
	if msg == "" || strings.HasPrefix(lang, "en") {
		return msg
	}
	low := strings.ToLower(msg)
	for _, e := range deviceLastErrors {
		if strings.Contains(low, strings.ToLower(e.has)) {
			return e.ja
		}
	}
	return "機器でエラーが発生しました（詳細: " + msg + "）"
}
