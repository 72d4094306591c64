// Texts of バックアップ (M-5) and 「バックアップから復元」 (merged by i18n.ts).

export const backupDict = {
  backupHead: ["バックアップ", "Backup"],
  backupLead: [
    "データと鍵ストアを一緒に、フォルダやUSBドライブなどに保存します（「MyNumberShelter-日付-時刻」フォルダが作られます）。中身は暗号化されたままで、別のPCで開くにはリカバリーキットが必要です。バックアップとリカバリーキットは別々の場所に保管してください。",
    "Saves the data and the key store together to a folder or a USB drive (a “MyNumberShelter-date-time” folder is made). It stays encrypted; opening it on another PC needs the Recovery Kit. Keep backups and the Recovery Kit in different places.",
  ],
  backupLast: ["最終バックアップ", "Last backup"],
  backupNever: ["まだバックアップしていません", "No backup yet"],
  backupLastFolder: ["保存先", "Saved in"],
  backupDue: [
    "最後のバックアップから{days}日以上たっています（またはまだありません）。今すぐバックアップを作成してください。",
    "The last backup is more than {days} days old (or there is none). Make a backup now.",
  ],
  backupFolder: ["保存先フォルダ", "Destination folder"],
  backupFolderHint: ["フォルダのパス（例: E:\\ や /media/usb）。「選択…」で選べます。", "The folder's path (e.g. E:\\ or /media/usb). “Choose…” picks one."],
  backupChoose: ["選択…", "Choose…"],
  backupMake: ["バックアップを作成", "Make a backup"],
  backupMade: ["バックアップを作成しました: {folder}", "Backup made: {folder}"],
  backupReminderHome: ["バックアップがまだないか、最後のバックアップから1週間以上たっています。", "There is no backup yet, or the last one is more than a week old."],
  backupGoM5: ["バックアップへ", "Go to backup"],
  restoreFromBackup: ["バックアップから復元", "Restore from a backup"],
  restoreTitle: ["バックアップから復元", "Restore from a backup"],
  restoreLead: [
    "故障したPCの代わりに、このPCへ事務所のデータを戻します。バックアップのフォルダ、リカバリーキットのリカバリーキー、システム管理者のログインIDと、このPCで使う新しいパスワードを入力してください。ほかの利用者は、復元後に管理者がパスワードを再設定します。",
    "Brings the office's data onto this PC in place of a failed one. Give the backup's folder, the recovery key from the Recovery Kit, a system administrator's login ID and the new password to use on this PC. Other users get a password reset from an administrator after the restore.",
  ],
  restoreFolder: ["バックアップのフォルダ", "Backup folder"],
  restoreSubmit: ["復元する", "Restore"],
  restoreBack: ["初期設定に戻る", "Back to setup"],
} satisfies Record<string, [string, string]>;
