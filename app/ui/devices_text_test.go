package ui

import "testing"

// Every detail the bridge reports reads in the UI language in M-4.
func TestDeviceDetail(t *testing.T) {
	for _, c := range []struct{ in, ja, en string }{
		{"3 readers", "カードリーダー 3台", "3 card readers"},
		{"no card", "カードなし", "No card"},
		{"enrolled as office-7", "中継サーバーに登録済み（office-7）", "Enrolled with the relay (office-7)"},
		{"no answer on /dev/ttyUSB0", "/dev/ttyUSB0 から応答がありません（接続と電源を確認してください）", "No answer on /dev/ttyUSB0 (check the cable and power)"},
		{"PV-100, serial SIM0042, firmware 1.2, on /dev/pts/3", "PV-100（シリアル SIM0042、ファームウェア 1.2、/dev/pts/3）", "PV-100 (serial SIM0042, firmware 1.2, on /dev/pts/3)"},
		{"cannot open /dev/ttyUSB9", "/dev/ttyUSB9 を開けません（ポートの設定を確認してください）", "Cannot open /dev/ttyUSB9 (check the port in the settings)"},
		{"opening driver shelter-vein-example", "外部ドライバー shelter-vein-example を起動しています", "Starting the external driver shelter-vein-example"},
		{"no answer on driver vendor-pv", "外部ドライバー vendor-pv から応答がありません（ドライバーの設定と shelter-bridge のログを確認してください）", "No answer from the external driver vendor-pv (check its settings and the shelter-bridge log)"},
		{"PV-100, serial EXEC0042, firmware 1.2, on driver shelter-vein-example", "PV-100（シリアル EXEC0042、ファームウェア 1.2、外部ドライバー shelter-vein-example）", "PV-100 (serial EXEC0042, firmware 1.2, external driver shelter-vein-example)"},
		{"sent 2, pulled 5", "送信 2件、受信 5件", "Sent 2, received 5"},
		{"Canon imageFORMULA DR-C225", "Canon imageFORMULA DR-C225", "Canon imageFORMULA DR-C225"}, // a model name stays
	} {
		if got := deviceDetail(c.in, "ja"); got != c.ja {
			t.Errorf("ja %q = %q, want %q", c.in, got, c.ja)
		}
		if got := deviceDetail(c.in, "en"); got != c.en {
			t.Errorf("en %q = %q, want %q", c.in, got, c.en)
		}
	}
}

// The vein sensor's and the card service's known last errors read in Japanese in the Japanese
// UI; the English UI keeps the bridge's text.
func TestDeviceLastError(t *testing.T) {
	for _, c := range []struct{ in, ja string }{
		{"driver /opt/x: vein: sensor disconnected: the driver did not answer hello within 3s", "外部ドライバーが起動時の問い合わせ（hello）に応答しません。ドライバーと引数を確認してください"},
		{"driver /opt/x: vein: protocol violation: unsupported driver protocol version: the driver speaks protocol version 2, want 1", "外部ドライバーのプロトコルバージョンに対応していません。ドライバーを更新してください"},
		{"info: vein: sensor disconnected: the driver exited: exit status 2", "外部ドライバーが終了しました。次の操作で再起動します"},
		{"vein: sensor disconnected: open /dev/ttyUSB9: no such file or directory", "センサーとの接続が切れました。ケーブル・電源・ドライバーを確認してください"},
		{"the smart card service is not running", "スマートカードのサービス（PC/SC）が動いていません"},
		{`Post "https://relay.example/v1/sync": dial tcp 192.0.2.1:443: connect: connection refused`, "接続を拒否されました（相手のサーバーが動いているか確認してください）"},
		{`Post "https://relay.example/v1/sync": tls: failed to verify certificate: x509: certificate signed by unknown authority`, "接続先の証明書を確認できません"},
		{"open /srv/scans: permission denied", "アクセス権がありません"},
		{"open COM3: Access is denied.", "アクセス権がありません"},
		{"card: no IC card reader is connected", "ICカードリーダーが接続されていません"},
		{"open /dev/ttyUSB0: device or resource busy", "機器が別のプログラムに使用されています"},
		{"something new", "機器でエラーが発生しました（詳細: something new）"},
	} {
		if got := deviceLastError(c.in, "ja"); got != c.ja {
			t.Errorf("ja %q = %q, want %q", c.in, got, c.ja)
		}
		if got := deviceLastError(c.in, "en"); got != c.in {
			t.Errorf("en %q = %q", c.in, got)
		}
	}
}
