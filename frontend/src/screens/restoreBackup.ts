// 「バックアップから復元」 of the first start: a backup set's folder, the Recovery Kit's key, an
// administrator's login and the new password on this PC. Go checks the set and the kit before
// anything is replaced and then logs the administrator in as the Recovery Kit does.

import { h } from "../h";
import { ApiError, parseError } from "../api";
import { Backup } from "../api_backup";
import { t } from "../i18n";
import type { App } from "../app";
import type { SessionState } from "../contract.gen";
import { Form, busy, input } from "../ui/form";
import { publicPage } from "../ui/layout";
import { passwordPair } from "../ui/password";
import { Code } from "../contract.gen";

/** folderRow is form's row for a folder path with 「選択…」 after the input, which opens the
 *  desktop's folder chooser; in a browser (no chooser) the button goes away and the path is
 *  typed. */
export function folderRow(form: Form, name: string, label: string, field: HTMLInputElement, choose: () => Promise<string>): HTMLElement {
  const row = form.field(name, label, field, { required: true, hint: t("backupFolderHint") });
  const pick = h("button", { class: "secondary small", type: "button", testid: `${field.dataset.testid ?? "folder"}-choose` }, t("backupChoose"));
  pick.addEventListener("click", () => void busy(pick, async () => {
    try {
      const dir = await choose();
      if (dir) field.value = dir;
    } catch (e) {
      if (parseError(e).code === Code.NoDialog) pick.remove();
      else throw e;
    }
  }));
  field.classList.add("folder-path");
  field.after(pick);
  return row;
}

/** restoreCredentials are the fields every restore onto a new PC asks for — the Recovery Kit's
 *  key, an administrator's login and the new password twice — and their submit: check the
 *  passwords match, call restore, adopt the state it returns (the administrator logged in). */
export function restoreCredentials(app: App, form: Form, prefix: string, submit: HTMLButtonElement,
  restore: (c: { recoveryKey: string; login: string; newPassword: string }) => Promise<SessionState>) {
  const key = h("textarea", { class: "mono", rows: "2", autocomplete: "off", spellcheck: "false" });
  const login = input("text", "", { autocomplete: "username", maxlength: "64" });
  const pw = passwordPair(prefix);
  const onSubmit = (ev: Event) => {
    ev.preventDefault();
    form.clear();
    if (pw.mismatch()) {
      form.show(new ApiError("invalid", "確認用のパスワードが一致しません。", "The passwords do not match.", "confirm"));
      return;
    }
    void busy(submit, async () => {
      try {
        const s = await restore({ recoveryKey: key.value.trim(), login: login.value.trim(), newPassword: pw.password.value });
        key.value = "";
        app.setupActive = false;
        app.adopt(s);
      } catch (e) {
        form.show(e);
      }
    });
  };
  const fields = [
    form.field("recoveryKey", t("recoveryKey"), key, { required: true }),
    form.field("login", t("adminLoginId"), login, { required: true }),
    form.field("password", t("newPassword"), pw.password, { required: true, hint: pw.meter }),
    form.field("confirm", t("passwordConfirm"), pw.confirm, { required: true }),
    pw.rules,
  ];
  return { fields, onSubmit };
}

export function renderRestoreBackup(app: App, back: () => void): HTMLElement {
  const form = new Form("restore");
  const folder = input("text", "", { autocomplete: "off", spellcheck: "false", autofocus: true });
  const submit = h("button", { class: "primary", type: "submit", testid: "restore-submit" }, t("restoreSubmit"));
  const folderField = folderRow(form, "folder", t("restoreFolder"), folder, Backup.ChooseFolder);
  const cred = restoreCredentials(app, form, "restore", submit, (c) => Backup.RestoreNew({ folder: folder.value.trim(), ...c }));
  return publicPage(app, "restore-screen",
    h("div", { class: "card" },
      h("h1", null, t("restoreTitle")),
      h("p", { class: "lead" }, t("restoreLead")),
      h("form", { testid: "restore-form", on: { submit: cred.onSubmit } },
        form.banner,
        folderField,
        cred.fields,
        h("div", { class: "actions" },
          h("button", { class: "secondary", type: "button", testid: "restore-back", on: { click: back } }, t("restoreBack")),
          submit))));
}
