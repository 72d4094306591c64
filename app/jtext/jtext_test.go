package jtext

import "testing"

func TestContains(t *testing.T) {
	for _, c := range []struct {
		text, search string
		want         bool
	}{
		{"サイゴウ タカモリ", "さいごう", true},
		{"サイゴウ タカモリ", "ｻｲｺﾞｳ", true},
		{"さいごう たかもり", "サイゴウタカモリ", true},
		{"髙橋 一郎", "高橋", true},
		{"高橋 一郎", "髙橋", true},
		{"山﨑 花子", "山崎", true},
		{"渡邊 太郎", "渡辺", true},
		{"渡邉 太郎", "わたなべ", false}, // kanji do not match their reading
		{"齋藤", "斉藤", true},
		{"ＹＡＭＡＤＡ Ｔａｒｏ", "yamada", true},
		{"ヴィクトル", "ゔぃくとる", true},
		{"山田 太郎", "山田　太郎", true},
		{"山田 太郎", "田中", false},
		{"カトウ", "かとう", true},
		{"カトウ", "がとう", false},
	} {
		if got := Contains(c.text, c.search); got != c.want {
			t.Errorf("Contains(%q, %q) = %v, want %v (folded %q / %q)", c.text, c.search, got, c.want, Fold(c.text), Fold(c.search))
		}
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"サイゴウ", "ｻｲｺﾞｳ", "髙﨑", "ＡＢＣ　ｄｅｆ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Fold(s)
		if Fold(once) != once {
			t.Errorf("Fold is not idempotent on %q: %q then %q", s, once, Fold(once))
		}
	})
}
