// Japanese first, English on request. Texts written here are looked up with t(key); texts that
// come from Go arrive in both languages and are chosen with pick(ja, en).

import type { ErrorInfo } from "./types";
import { unexpected } from "./api";
import { collectDict } from "./i18n_collect";
import { useDict } from "./i18n_use";
import { disposeDict } from "./i18n_dispose";
import { cardDict } from "./i18n_card";
import { devicesDict } from "./i18n_devices";
import { shareDict } from "./i18n_share";
import { factorsDict } from "./i18n_factors";
import { syncDict } from "./i18n_sync";
import { backupDict } from "./i18n_backup";

export type Lang = "ja" | "en";

let lang: Lang = "ja";

export function getLang(): Lang {
  return lang;
}

export function setLang(l: Lang): void {
  lang = l;
}

/** pick chooses the text for the current language, falling back to the other one. */
export function pick(ja: string | undefined, en: string | undefined): string {
  return (lang === "en" ? en || ja : ja || en) ?? "";
}

/** errText is the message of an error from Go (or any thrown value) in the current language. */
export function errText(e: unknown): string {
  if (e && typeof e === "object" && ("ja" in e || "en" in e)) {
    const o = e as ErrorInfo;
    return pick(o.ja, o.en) || o.code;
  }
  const u = unexpected(e instanceof Error ? e.message : String(e));
  return pick(u.ja, u.en);
}

const dict = {
  ...collectDict,
  ...useDict,
  ...disposeDict,
  ...cardDict,
  ...devicesDict,
  ...shareDict,
  ...factorsDict,
  ...syncDict,
  ...backupDict,
  // common
  required: ["必須", "required"],
  fileChoose: ["ファイルを選択…", "Choose a file…"],
  fileChooseMany: ["ファイルを選択…（複数可）", "Choose files…"],
  fileNone: ["ファイルが選択されていません", "No file chosen"],
  close: ["閉じる", "Close"],
  cancel: ["キャンセル", "Cancel"],
  save: ["保存", "Save"],
  saved: ["保存しました。", "Saved."],
  edit: ["編集", "Edit"],
  next: ["次へ", "Next"],
  back: ["戻る", "Back"],
  retry: ["再読み込み", "Retry"],
  loading: ["読み込み中…", "Loading…"],
  error: ["エラー", "Error"],
  search: ["検索", "Search"],
  all: ["すべて", "All"],
  print: ["印刷", "Print"],
  noted: ["控えました", "I have noted it"],
  operations: ["操作", "Actions"],
  status: ["状態", "Status"],
  switchLanguage: ["表示言語を切り替えます", "Switch the display language"],
  dateStyleTitle: ["日付の表示を和暦・西暦で切り替えます（時刻は日本時間）", "Switch dates between the Japanese era and ISO (times are Japan time)"],
  dateStyleIso: ["西暦", "ISO dates"],
  dateStyleWareki: ["和暦", "Japanese era"],
  point: ["ポイント", "Point"],
  menu: ["メニュー", "Menu"],
  comingLater: ["今後のリリースで提供", "Coming in a later release"],
  notBuilt: [
    "この画面はこのバージョンの画面部品にまだ含まれていません。アプリケーションを更新してください。",
    "This version of the user interface does not include this screen yet. Please update the application.",
  ],
  // fields
  office: ["事務所", "Office"],
  officeName: ["事務所・企業名", "Office name"],
  nameKana: ["フリガナ", "Name (kana)"],
  officeKind: ["種別", "Kind"],
  kindSharoushi: ["社労士事務所", "Labour and social security attorney office"],
  kindZeirishi: ["税理士事務所", "Tax accountant office"],
  kindEmployer: ["自社（事業者）", "Our own company (employer)"],
  kindOther: ["その他", "Other"],
  corporateNumber: ["法人番号", "Corporate Number"],
  corporateNumberOptional: ["任意。13桁の法人番号（個人事務所は空欄）", "Optional. The 13-digit Corporate Number (leave empty for a sole practice)"],
  corporateNumberHint: ["13桁。チェックデジットを確認します（任意）", "13 digits; the check digit is verified (optional)"],
  representative: ["代表者", "Representative"],
  postalCode: ["郵便番号", "Postal code"],
  address: ["所在地", "Address"],
  phone: ["電話番号", "Phone"],
  loginId: ["ログインID", "Login ID"],
  adminLoginId: ["管理者のログインID", "Administrator's login ID"],
  displayName: ["氏名", "Name"],
  email: ["メールアドレス", "Email"],
  password: ["パスワード", "Password"],
  passwordConfirm: ["パスワード（確認）", "Password (again)"],
  currentPassword: ["現在のパスワード（仮パスワード）", "Current (temporary) password"],
  newPassword: ["新しいパスワード", "New password"],
  createdAt: ["作成日時", "Created"],
  // password rules
  pwRuleLength: ["8文字以上、128文字まで（15文字以上を推奨）。スペースや日本語も使えます。", "8 to 128 characters (15 or more recommended). Spaces and Japanese are fine."],
  pwRuleNoComposition: ["英大文字・数字・記号を混ぜる決まりはありません。覚えやすい長い文章がおすすめです。", "No rules about mixing upper case, digits or symbols: a long phrase you can remember is best."],
  pwRuleCommon: ["よく使われるパスワードやログインIDを含むものは使えません。", "Common passwords and passwords containing the login ID are refused."],
  strength: ["強度の目安", "Strength"],
  strengthWeak: ["弱い", "weak"],
  strengthFair: ["普通", "fair"],
  strengthGood: ["良い", "good"],
  strengthStrong: ["強い", "strong"],
  // setup
  setupTitle: ["初期設定", "First-time setup"],
  setupLead: [
    "マイナンバーシェルターを使い始めるための設定を行います。4つの手順で完了します。",
    "Set up MyNumber Shelter in four steps.",
  ],
  setupStepOffice: ["運営事務所", "Operating office"],
  setupStepAdmin: ["最初の管理者", "First administrator"],
  setupStepFactor: ["二要素認証", "Second factor"],
  setupStepKit: ["リカバリーキット", "Recovery Kit"],
  setupFactorHint: [
    "この事務所では、ログインにパスワードと認証要素（職員証などのICカード、マイナンバーカード、静脈）の両方が必要です。管理者の認証要素をここで登録してください。リカバリーキットはこの後に表示されます。",
    "This office requires a password and a second factor (a staff IC card, the My Number card or a vein) to log in. Enrol the administrator's factor here; the Recovery Kit comes next.",
  ],
  setupOfficeHint: [
    "当システムを運営する事務所・企業の情報です（例: 税理士事務所、社会保険労務士事務所、自社）。",
    "The office or company that runs this system (e.g. a tax accountant's or labour attorney's office, or your own company).",
  ],
  setupAdminHint: [
    "この管理者がユーザー登録や契約企業の設定を行います。",
    "This administrator will register the other users and the client companies.",
  ],
  setupCreate: ["作成して次へ", "Create and continue"],
  // recovery kit
  kitIntro: [
    "パスワードを忘れたときや、この端末の鍵が失われたときにデータを復旧するための鍵です。この画面でしか表示されません。",
    "This key recovers the data if every password is forgotten or this computer's key is lost. It is shown only on this screen.",
  ],
  kitWarning: [
    "リカバリーキットは印刷するか書き留め、金庫など安全な場所に保管してください。画面の写真やファイルとして保存しないでください。",
    "Print or write down the Recovery Kit and keep it somewhere safe, like a safe. Do not keep it as a photo or a file.",
  ],
  kitWritten: ["書き留めました", "I have written it down"],
  kitTypeBackIntro: [
    "確認のため、書き留めたリカバリーキーを入力してください（ハイフンや空白は省略できます）。",
    "To check, type the Recovery Key from your copy (hyphens and spaces may be left out).",
  ],
  kitTypeBack: ["リカバリーキー", "Recovery Key"],
  kitTypeBackEmpty: ["リカバリーキーを入力してください。", "Type the Recovery Key."],
  kitShowAgain: ["もう一度表示", "Show it again"],
  kitFinish: ["確認して完了", "Check and finish"],
  kitPendingTitle: ["リカバリーキットの再発行", "New Recovery Kit"],
  kitPendingLead: [
    "リカバリーキットの確認が完了していません。安全のため新しいリカバリーキットを発行します。パスワードを入力してください。",
    "The Recovery Kit was never confirmed. For safety a new one will be issued. Enter your password.",
  ],
  kitRenew: ["新しいリカバリーキットを発行", "Issue a new Recovery Kit"],
  // login, lock, recovery
  loginTitle: ["ログイン", "Log in"],
  login: ["ログイン", "Log in"],
  logout: ["ログアウト", "Log out"],
  recoverLink: ["リカバリーキットで復旧", "Recover with the Recovery Kit"],
  sessionExpired: ["セッションの有効期限が切れました。もう一度ログインしてください。", "Your session has expired. Please log in again."],
  loggedOutNotice: ["ログアウトされました。もう一度ログインしてください。", "You were logged out. Please log in again."],
  lockedTitle: ["画面ロック中", "Screen locked"],
  lockedLead: [
    "画面をロックしました（一定時間操作がない場合も自動でロックされます）。パスワードを入力して再開してください。",
    "The screen is locked (it also locks itself after a period of inactivity). Enter your password to continue.",
  ],
  unlock: ["ロック解除", "Unlock"],
  lock: ["ロック", "Lock"],
  logoutAndSwitch: ["ログアウトして別のユーザーでログイン", "Log out and log in as another user"],
  changePassword: ["パスワードを変更", "Change password"],
  changePasswordTitle: ["パスワードの変更", "Change your password"],
  changePasswordLead: [
    "管理者が設定した仮パスワードでログインしました。ご自身のパスワードに変更してください。",
    "You logged in with a temporary password set by an administrator. Choose your own password.",
  ],
  recoverTitle: ["リカバリーキットで復旧", "Recover with the Recovery Kit"],
  recoverLead: [
    "初期設定時に印刷・記録したリカバリーキーと、管理者のログインID、新しいパスワードを入力してください。",
    "Enter the Recovery Key printed or written down at setup, an administrator's login ID and a new password.",
  ],
  recoveryKey: ["リカバリーキー", "Recovery Key"],
  recoverSubmit: ["復旧する", "Recover"],
  backToLogin: ["ログイン画面に戻る", "Back to login"],
  // home
  previousLogin: ["前回ログイン情報", "Previous login"],
  admin: ["管理者", "Administrator"],
  welcome: ["ようこそ、{name} さん", "Welcome, {name}"],
  welcomeLead: [
    "左のメニューから業務を選んでください。マイナンバーの取得から廃棄までの操作はすべて履歴に記録されます。",
    "Choose a task from the menu on the left. Every step from collecting to disposing of My Numbers is recorded in the history.",
  ],
  // M-1
  officeSettings: ["企業情報設定", "Office settings"],
  // M-2
  userSettings: ["ユーザー設定", "Users"],
  userAdd: ["ユーザーを追加", "Add a user"],
  userEdit: ["ユーザーの編集", "Edit user"],
  userCreate: ["登録して仮パスワードを発行", "Create and issue a temporary password"],
  userCreateHint: [
    "登録すると仮パスワードが一度だけ表示されます。本人に安全な方法で伝えてください。初回ログイン時に変更が必要です。",
    "A temporary password is shown once after creation. Pass it on safely; the user must change it at first login.",
  ],
  isAdminLabel: ["管理者権限（ユーザー・契約企業・取扱者の設定）", "Administrator (users, companies and handler settings)"],
  lastLogin: ["最終ログイン", "Last login"],
  roles: ["担当企業・役割", "Companies and roles"],
  stateActive: ["有効", "Active"],
  stateDisabled: ["無効", "Disabled"],
  stateLocked: ["ロック中", "Locked"],
  statePasswordPending: ["パスワード変更待ち", "Must change password"],
  disable: ["無効化", "Disable"],
  enable: ["有効化", "Enable"],
  disableUser: ["ユーザーの無効化", "Disable user"],
  disableUserConfirm: ["{name} さんを無効にします。ログインできなくなります。よろしいですか？", "Disable {name}? They will no longer be able to log in."],
  resetPassword: ["パスワード再設定", "Reset password"],
  resetPasswordConfirm: [
    "{name} さんに新しい仮パスワードを発行します。現在のパスワードは使えなくなります。よろしいですか？",
    "Issue a new temporary password for {name}? The current password will stop working.",
  ],
  unlockUser: ["ロック解除", "Unlock"],
  temporaryPassword: ["仮パスワード", "Temporary password"],
  temporaryPasswordLead: ["{name} さん（{login}）の仮パスワードです。", "Temporary password for {name} ({login}):"],
  temporaryPasswordOnce: [
    "この仮パスワードは今回だけ表示されます。本人に直接伝え、メモは破棄してください。",
    "This temporary password is shown only now. Give it to the user in person and destroy any note of it.",
  ],
  expiresAt: ["有効期限", "Expires"],
  roleManager: ["事務取扱責任者", "Manager (事務取扱責任者)"],
  roleHandler: ["事務取扱担当者", "Handler (事務取扱担当者)"],
  // M-3
  companySettings: ["契約企業情報 照会・設定", "Client companies"],
  companyAdd: ["契約企業を追加", "Add a company"],
  companyEdit: ["契約企業の編集", "Edit company"],
  companyCode: ["企業コード", "Code"],
  companyCodeHint: ["半角英数字・-・_ で20文字以内（例: C001）", "Up to 20 letters, digits, - or _ (e.g. C001)"],
  companyName: ["企業名", "Company name"],
  consignPeriod: ["委託期間", "Entrusted period"],
  consignFrom: ["委託期間（開始）", "Entrusted from"],
  consignTo: ["委託期間（終了）", "Entrusted until"],
  managersCount: ["責任者", "Managers"],
  handlersCount: ["担当者", "Handlers"],
  note: ["備考", "Note"],
  archived: ["契約終了", "Archived"],
  archivedLabel: ["契約終了（一覧に表示しない）", "Contract ended (hide from lists)"],
  showArchived: ["契約終了の企業も表示", "Show archived companies"],
  noCompanies: ["契約企業はまだ登録されていません。", "No client companies yet."],
  // 1-1
  handlerSettings: ["マイナンバー取扱者設定", "My Number handlers"],
  targetCompany: ["対象企業", "Company"],
  chooseCompany: ["企業を選択してください", "Choose a company"],
  chooseCompanyFirst: ["対象となる企業を選択して下さい。", "Choose the company first."],
  noCandidates: ["有効なユーザーがいません。", "No active users."],
  handlersHint: [
    "事務取扱責任者・事務取扱担当者に指定されたユーザーだけが、この企業のマイナンバーを扱えます。",
    "Only users named here as manager or handler may work with this company's My Numbers.",
  ],
  // 2-1
  historyTitle: ["取扱い履歴照会", "Handling history"],
  verifying: ["履歴の改ざん検証中…", "Verifying the history chain…"],
  chainOk: ["改ざんなし：{n} 件を検証しました", "Verified: {n} entries, no tampering"],
  chainBroken: ["改ざんの可能性：履歴 #{id} 以降の整合性が確認できません。", "Possible tampering: entries from #{id} do not verify."],
  chainDiverged: ["（中継サーバーの記録のうち {n} 件は、復元（履歴 #{id}）より前の履歴のものです）", " ({n} of the relay's records belong to the history before the restore, entry #{id})"],
  chainAnchored: ["（中継サーバーに残した記録 {n} 件とも一致、最新 {at}）", " (matches the {n} records kept on the relay, newest {at})"],
  company: ["企業", "Company"],
  user: ["ユーザー", "User"],
  action: ["操作", "Action"],
  periodFrom: ["期間（開始）", "From"],
  periodTo: ["期間（終了）", "To"],
  time: ["日時", "Time"],
  workstation: ["端末", "Workstation"],
  target: ["対象", "Target"],
  result: ["結果", "Result"],
  detail: ["詳細", "Detail"],
  resultOk: ["成功", "OK"],
  resultDenied: ["拒否", "Denied"],
  resultFailed: ["失敗", "Failed"],
  noEntries: ["該当する履歴はありません。", "No matching entries."],
  // 1-2
  employeesTitle: ["法人マイナンバー・従業員設定", "Corporate number & employees"],
  noAssignedCompanies: [
    "事務取扱責任者・担当者に設定された企業がありません。管理者に 1-1 での設定を依頼してください。",
    "You are not named manager or handler of any company. Ask an administrator to assign you in 1-1.",
  ],
  notSet: ["未設定", "not set"],
  corporateNumberWhere: ["（法人情報・法人番号は M-3 で管理者が設定します）", "(company details and the Corporate Number are set by an administrator in M-3)"],
  tabEmployees: ["従業員", "Employees"],
  tabDepartments: ["部署", "Departments"],
  historyReportXlsx: ["履歴レポート（Excel）", "History report (Excel)"],
  historyCsvUtf8: ["CSV（UTF-8）", "CSV (UTF-8)"],
  historyCsvCp932: ["CSV（Shift_JIS）", "CSV (Shift_JIS)"],
  tabImport: ["CSV一括取込", "CSV import"],
  delete: ["削除", "Delete"],
  show: ["表示", "Show"],
  hide: ["隠す", "Hide"],
  line: ["行", "Line"],
  column: ["列", "Column"],
  problem: ["内容", "Problem"],
  // departments
  department: ["部署", "Department"],
  departmentTree: ["部署一覧", "Department tree"],
  departmentAdd: ["部署を追加", "Add a department"],
  departmentEdit: ["部署の名前変更・移動", "Rename or move a department"],
  departmentName: ["部署名", "Department name"],
  departmentCode: ["部署コード", "Department code"],
  departmentCodeHint: ["空欄なら D001, D002, … を自動で付けます", "Left empty, D001, D002, … is given"],
  parentDepartment: ["上位部署", "Parent department"],
  topLevel: ["（最上位）", "(top level)"],
  renameMove: ["名前変更・移動", "Rename / move"],
  departmentDelete: ["部署の削除", "Delete department"],
  departmentDeleteConfirm: ["部署「{name}」を削除します。よろしいですか？", "Delete the department “{name}”?"],
  noDepartments: ["部署はまだ登録されていません。", "No departments yet."],
  noDepartment: ["（部署なし）", "(no department)"],
  allDepartments: ["すべての部署", "All departments"],
  peopleCount: ["{n} 名", "{n} people"],
  // employees
  employeeAdd: ["従業員を追加", "Add an employee"],
  employeeEdit: ["従業員の編集", "Edit employee"],
  employeeCreated: ["従業員を登録しました。続けて個人番号と扶養家族を登録できます。", "Employee added. You can now enter the My Number and dependents."],
  employeeSaveFirst: ["個人番号と扶養家族は、従業員を保存した後に登録できます。", "Save the employee first; then enter the My Number and dependents."],
  employeeDelete: ["従業員の削除", "Delete employee"],
  employeeDeleteConfirm: [
    "「{name}」を扶養家族とともに削除します（誤って登録した場合のみ。個人番号の登録がある場合は 4-1 で廃棄してください）。",
    "Delete “{name}” and their dependents (only for an entry made by mistake; registered numbers leave by disposal, 4-1).",
  ],
  employeeCode: ["従業員コード", "Employee code"],
  employeeName: ["氏名", "Name"],
  employeeSearchHint: ["コード・氏名・フリガナ", "Code, name or reading"],
  birthDate: ["生年月日", "Birth date"],
  sex: ["性別", "Sex"],
  sexUnspecified: ["未設定", "Not given"],
  sexMale: ["男", "Male"],
  sexFemale: ["女", "Female"],
  hiredOn: ["入社日", "Hire date"],
  leftOn: ["退職日", "Leaving date"],
  dateHint: ["例: 1985-01-02, 1985/1/2, 昭和60年1月2日, S60.1.2", "e.g. 1985-01-02, 1985/1/2, 昭和60年1月2日, S60.1.2"],
  employment: ["入社・退職", "Hired / left"],
  employmentStatus: ["在籍区分", "Status"],
  statusActive: ["在籍中", "Employed"],
  statusLeft: ["退職者", "Left"],
  statusAll: ["すべて", "All"],
  leftTag: ["退職", "Left"],
  dependentsCount: ["扶養", "Dependents"],
  noEmployees: ["該当する従業員はいません。", "No matching employees."],
  prevPage: ["前へ", "Previous"],
  nextPage: ["次へ", "Next"],
  firstPage: ["最初のページ", "First page"],
  lastPage: ["最後のページ", "Last page"],
  pageN: ["{n} ページ目", "Page {n}"],
  pagerLabel: ["ページ送り", "Pages"],
  pageSize: ["表示件数", "Rows per page"],
  perPage: ["{n} 件", "{n}"],
  countOf: ["全 {n} 件中 {from}–{to} 件", "{from}–{to} of {n}"],
  countNone: ["該当 0 件", "No matches"],
  sortAsc: ["昇順に並べ替え", "Sort ascending"],
  sortDesc: ["降順に並べ替え", "Sort descending"],
  backToList: ["一覧へ戻る", "Back to the list"],
  // numbers
  myNumber: ["個人番号", "My Number"],
  myNumberEntry: ["個人番号（12桁）", "My Number (12 digits)"],
  currentNumber: ["登録状況", "Registered"],
  numberRegistered: ["登録済", "Registered"],
  numberMissing: ["未登録", "Not registered"],
  numberHint: [
    "入力中は伏せ字で表示されます。全角数字・空白・ハイフンも使えます。登録後、入力欄は空になり、番号は下4桁のみ表示されます。",
    "Masked while you type. Full-width digits, spaces and hyphens are fine. After registering, the field is emptied and only the last 4 digits are shown.",
  ],
  registerNumber: ["個人番号を登録", "Register number"],
  numberSaved: ["個人番号を登録しました。", "The My Number was registered."],
  confirmAndRegister: ["確認して登録", "Confirm and register"],
  duplicateHint: [
    "同じ番号を登録してよいか（入力誤りでないか）本人確認書類で確かめてから登録してください。",
    "Check the identity document (is it a typing mistake?) before registering the same number again.",
  ],
  // dependents
  dependents: ["扶養家族", "Dependents"],
  dependentAdd: ["扶養家族を追加", "Add a dependent"],
  dependentEdit: ["扶養家族の編集", "Edit dependent"],
  dependentDelete: ["扶養家族の削除", "Delete dependent"],
  dependentDeleteConfirm: ["扶養家族「{name}」を削除します。よろしいですか？", "Delete the dependent “{name}”?"],
  dependentNumber: ["{name} さんの個人番号", "My Number of {name}"],
  noDependents: ["扶養家族は登録されていません。", "No dependents."],
  relation: ["続柄", "Relation"],
  relSpouse: ["配偶者", "Spouse"],
  relChild: ["子", "Child"],
  relParent: ["父母", "Parent"],
  relGrandchild: ["孫", "Grandchild"],
  relGrandparent: ["祖父母", "Grandparent"],
  relSibling: ["兄弟姉妹", "Sibling"],
  relOther: ["その他", "Other"],
  // CSV import
  importTitle: ["従業員CSVの一括取込", "Import employees from CSV"],
  impStepFile: ["ファイル選択", "File"],
  impStepMap: ["列の対応付け", "Columns"],
  impStepPreview: ["確認", "Check"],
  impStepCommit: ["取込", "Import"],
  impFile: ["ファイル", "File"],
  impFileLead: [
    "給与システム・人事管理システム等から出力した従業員のCSVファイルを選んでください。",
    "Choose the employee CSV file exported from your payroll or HR system.",
  ],
  impFileEncodings: [
    "文字コードは Shift_JIS（Excel の「CSV」）、UTF-8（BOM 付き・なし）、UTF-16 を自動で判別します。",
    "Shift_JIS (Excel's “CSV”), UTF-8 with or without BOM and UTF-16 are recognised automatically.",
  ],
  impFileColumns: ["次の手順で、どの列をどの項目として取り込むかを確認・指定します。", "Next you check which column goes to which field."],
  impFileAllOrNothing: [
    "問題が1件でもあれば取り込みません（全件取込か、何も取り込まないかのどちらかです）。",
    "Nothing is imported while any line has a problem (all lines or none).",
  ],
  reading: ["ファイルを読み込み中…", "Reading the file…"],
  encoding: ["文字コード", "Encoding"],
  encUtf8Bom: ["UTF-8（BOM付き）", "UTF-8 (with BOM)"],
  encCp932: ["Shift_JIS（CP932）", "Shift_JIS (CP932)"],
  delimiter: ["区切り文字", "Delimiter"],
  delimComma: ["カンマ", "comma"],
  delimTab: ["タブ", "tab"],
  delimSemicolon: ["セミコロン", "semicolon"],
  dataLines: ["データ行数", "Data lines"],
  impNoHeader: ["1行目は見出しではなくデータです", "The first line is data, not headers"],
  impSample: ["ファイルの内容（先頭の数行）", "The file (first lines)"],
  impSampleMasked: ["個人番号と思われる値は伏せ字で表示しています。", "Anything that looks like a My Number is masked."],
  impMapping: ["列の対応付け", "Column mapping"],
  columnN: ["列{n}", "Column {n}"],
  notImported: ["（取り込まない）", "(not imported)"],
  presets: ["保存した設定", "Saved mappings"],
  presetChoose: ["選択してください", "Choose"],
  presetLoad: ["読み込む", "Load"],
  presetName: ["設定名（例: 給与システムA）", "Name (e.g. Payroll A)"],
  presetSave: ["この対応付けを保存", "Save this mapping"],
  presetSaved: ["「{name}」を保存しました。", "Saved “{name}”."],
  presetDelete: ["保存した設定の削除", "Delete saved mapping"],
  presetDeleteConfirm: ["「{name}」を削除します。よろしいですか？", "Delete “{name}”?"],
  impCheck: ["内容を確認", "Check the file"],
  impOtherFile: ["別のファイルを選ぶ", "Choose another file"],
  impBackToMapping: ["対応付けに戻る", "Back to the mapping"],
  impRows: ["データ行", "lines"],
  impAdded: ["追加", "to add"],
  impUpdated: ["更新", "to update"],
  impUnchanged: ["変更なし", "unchanged"],
  impRejected: ["エラー行", "rejected"],
  impNumbers: ["個人番号", "numbers"],
  impNewDepartments: ["新しく作られる部署", "New departments"],
  impProblems: ["{n} 件の問題があります。取り込みはできません。", "{n} problems found. Nothing can be imported."],
  impMoreProblems: ["ほかに {n} 件の問題があります。", "{n} more problems are not listed."],
  impWarnings: ["確認をおすすめする行が {n} 件あります（取り込みは止まりません）。", "{n} lines are worth checking (they do not stop the import)."],
  impFixHint: [
    "元のシステムまたはファイルを修正してから「別のファイルを選ぶ」で選び直してください。",
    "Fix the source system or the file, then use “Choose another file”.",
  ],
  impCommitRefused: ["取り込みの直前に問題が見つかったため、何も取り込んでいません。", "A problem was found when importing, so nothing was imported."],
  impReady: ["問題はありません。取り込みを実行できます。", "No problems. The file can be imported."],
  impCommit: ["取り込む", "Import"],
  impRunning: ["取り込み中です…", "Importing…"],
  impProgress: ["取り込み中です… {done} / {total} 行", "Importing… {done} / {total} lines"],
  impDoNotClose: ["完了するまで画面を閉じないでください。", "Keep this window open until it finishes."],
  impNothingWritten: ["取り込みは行われていません（何も書き込まれていません）。", "Nothing was imported."],
  impDone: ["取り込みが完了しました。", "The import is complete."],
  impAgain: ["続けて別のファイルを取り込む", "Import another file"],
  impShowList: ["従業員一覧を見る", "Show the employees"],
} satisfies Record<string, [string, string]>;

export type Key = keyof typeof dict;

/** t returns the text for key in the current language. */
export function t(key: Key): string {
  const v = dict[key];
  return lang === "en" ? v[1] : v[0];
}
