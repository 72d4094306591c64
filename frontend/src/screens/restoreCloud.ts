// 「クラウドから復元」 of the first start: the relay (URL, CA certificate), the one-time restore
// code, the Recovery Kit's key, an administrator's login and the new password on this PC. Go
// fetches the sealed snapshot, opens it with the kit, checks it and logs the administrator in.

import { h } from "../h";
import { ApiError } from "../api";
import { Replica } from "../api_backup";
import { t } from "../i18n";
import type { App } from "../app";
import { Form, busy, input } from "../ui/form";
import { publicPage } from "../ui/layout";
import { passwordPair } from "../ui/password";

export function renderRestoreCloud(app: App, back: () => void): HTMLElement {
  const form = new Form("cloud-restore");
  const url = input("url", "", { autocomplete: "off", spellcheck: "false", placeholder: "https://relay.example.jp", autofocus: true });
  const ca = h("textarea", { rows: "4", class: "mono", autocomplete: "off", spellcheck: "false", placeholder: "-----BEGIN CERTIFICATE-----" });
  const code = input("text", "", { autocomplete: "off", spellcheck: "false", class: "mono", placeholder: "XXXX-XXXX-XXXX-XXXX-XXXX" });
  const key = h("textarea", { class: "mono", rows: "2", autocomplete: "off", spellcheck: "false" });
  const login = input("text", "", { autocomplete: "username", maxlength: "64" });
  const pw = passwordPair("cloud-restore");
  const submit = h("button", { class: "primary", type: "submit", testid: "cloud-restore-submit" }, t("restoreSubmit"));
  form.alias("caPem", "ca");
  return publicPage(app, "cloud-restore-screen",
    h("div", { class: "card" },
      h("h1", null, t("cloudRestoreTitle")),
      h("p", { class: "lead" }, t("cloudRestoreLead")),
      h("form", { testid: "cloud-restore-form", on: { submit: (ev: Event) => {
        ev.preventDefault();
        form.clear();
        if (pw.mismatch()) {
          form.show(new ApiError("invalid", "確認用のパスワードが一致しません。", "The passwords do not match.", "confirm"));
          return;
        }
        void busy(submit, async () => {
          try {
            const s = await Replica.RestoreFromCloud({ url: url.value.trim(), caPem: ca.value, code: code.value.trim(),
              recoveryKey: key.value.trim(), login: login.value.trim(), newPassword: pw.password.value });
            key.value = "";
            app.setupActive = false;
            app.adopt(s);
          } catch (e) {
            form.show(e);
          }
        });
      } } },
        form.banner,
        form.field("url", t("syncRelayURL"), url, { required: true }),
        form.field("ca", t("syncCAPEM"), ca, { required: true }),
        form.field("code", t("restoreCode"), code, { required: true }),
        form.field("recoveryKey", t("recoveryKey"), key, { required: true }),
        form.field("login", t("adminLoginId"), login, { required: true }),
        form.field("password", t("newPassword"), pw.password, { required: true, hint: pw.meter }),
        form.field("confirm", t("passwordConfirm"), pw.confirm, { required: true }),
        pw.rules,
        h("div", { class: "actions" },
          h("button", { class: "secondary", type: "button", testid: "cloud-restore-back", on: { click: back } }, t("restoreBack")),
          submit))));
}
