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
		// A clerk types the reading in any of the three kana forms.
		{"サイゴウ", "さいごう", true},
		{"さいごう", "ｻｲｺﾞｳ", true},
		{"ｻｲｺﾞｳ", "サイゴウ", true},
		{"サイトウ", "ｻｲﾄｳ", true},
		{"ﾊﾟｰｸ", "ぱーく", true},
		// The usual variant kanji of family names, both ways round.
		{"𠮷田 花子", "吉田", true},
		{"吉田 花子", "𠮷田", true},
		{"渡邉", "渡辺", true},
		{"渡邊", "渡邉", true},
		{"齊藤", "斉藤", true},
		{"斎藤", "齋藤", true},
		{"齊藤", "斎藤", true},
		{"宮﨑", "宮崎", true},
		{"髙田", "高田", true},
		{"中澤", "中沢", true},
		{"吉田", "古田", false},
	} {
		if got := Contains(c.text, c.search); got != c.want {
			t.Errorf("Contains(%q, %q) = %v, want %v (folded %q / %q)", c.text, c.search, got, c.want, Fold(c.text), Fold(c.search))
		}
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"サイゴウ", "ｻｲｺﾞｳ", "髙﨑", "ＡＢＣ　ｄｅｆ", "𠮷田", "ﾊﾟｰｸ", "ｶﾞ ﾞ", "a\u0303 ˜"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Fold(s)
		if Fold(once) != once {
			t.Errorf("Fold is not idempotent on %q: %q then %q", s, once, Fold(once))
		}
	})
}

// TestFoldIdempotent checks on fixed inputs what FuzzFold checks on random ones: a folded text
// folds to itself (a search folds the text and the search the same way, however often).
func TestFoldIdempotent(t *testing.T) {
	for _, s := range []string{"", "サイゴウ　タカモリ", "ｻｲｺﾞｳ", "𠮷田 髙橋 﨑 邊 邉 齊 齋", "ヽヾゝゞ", "ﾞﾟ", "a \u0303", "Ⅻ ㍻ ㈱", "\xff\xfe"} {
		once := Fold(s)
		if twice := Fold(once); twice != once {
			t.Errorf("Fold(%q) = %q, but Fold of that is %q", s, once, twice)
		}
	}
}

// TestFoldVariantTargets checks that no variant maps to a kanji that is itself mapped: one step
// reaches the common form, so folding is idempotent by construction.
func TestFoldVariantTargets(t *testing.T) {
	for from, to := range variants {
		if _, again := variants[to]; again {
			t.Errorf("variant %q maps to %q, which maps again", from, to)
		}
	}
}
