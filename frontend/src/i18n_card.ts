// Texts of the My Number card read (1-3). Keys start with "card" so that they cannot collide.
// The card's error messages come from Go in both languages.

export const cardDict = {
  cardRead: ["ICカードで読み取り", "Read the IC card"],
  cardTitle: ["マイナンバーカードの読み取り（{name}）", "Read the My Number card ({name})"],
  cardLead: [
    "カードをリーダーに置き、ご本人に券面事項入力補助用暗証番号（数字4桁）を入力してもらってください。自動で再試行はしません。",
    "Put the card on the reader and let the card holder type the 4-digit PIN (券面事項入力補助用暗証番号). Nothing is retried automatically.",
  ],
  cardReader: ["カードリーダー", "Card reader"],
  cardRetries: ["残り回数: {n}", "Tries left: {n}"],
  cardRetriesCheck: ["残り回数を確認", "Check tries left"],
  cardLastTry: [
    "残り1回です。間違えるとロックされ、市区町村での再設定が必要になります。ご本人に確認してから読み取ってください。",
    "One try is left. A wrong PIN locks the card (reset at the municipal office). Confirm with the card holder first.",
  ],
  cardLastTryOk: ["残り1回であることを確認しました", "I confirmed that one try is left"],
  cardPin: ["暗証番号（4桁）", "PIN (4 digits)"],
  cardDoRead: ["読み取る", "Read"],
  cardDone: ["読み取って登録しました（ICカード：番号確認・身元確認）。", "Read and registered (IC card: number and identity checked)."],
  cardNumber: ["個人番号", "My Number"],
  cardName: ["氏名", "Name"],
  cardAddress: ["住所", "Address"],
  cardBirth: ["生年月日", "Birth date"],
  cardSex: ["性別", "Sex"],
  cardIntegrity: ["改ざん検知", "Integrity"],
} satisfies Record<string, [string, string]>;
