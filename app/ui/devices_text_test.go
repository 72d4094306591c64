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
