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
