// Recovery with the Recovery Kit: the key, an administrator's login and a new password. Shown
// from the login screen, and on its own when Go reports a problem that makes the vault unusable
// (for example the keychain entry is gone).

import { h } from "../h";
import { Session } from "../api";
import { errText, t } from "../i18n";
import type { App } from "../app";
import { Form, busy, input } from "../ui/form";
import { publicPage } from "../ui/layout";
import { passwordPair } from "../ui/password";

export function renderRecover(app: App): HTMLElement {
  const problem = app.state?.problem;
  const form = new Form("recover");
  const key = h("textarea", { class: "mono", rows: "2", autocomplete: "off", spellcheck: "false", autofocus: true });
  const login = input("text", "", { autocomplete: "username", maxlength: "64" });
  const pw = passwordPair("recover");
  const submit = h("button", { class: "primary", type: "submit", testid: "recover-submit" }, t("recoverSubmit"));
  return publicPage(app, "recover-screen",
    h("div", { class: "card" },
      h("h1", null, t("recoverTitle")),
      problem ? h("div", { class: "banner error", role: "alert", testid: "problem" }, errText(problem)) : null,
      h("p", { class: "lead" }, t("recoverLead")),
      h("form", { testid: "recover-form", on: { submit: (ev: Event) => {
        ev.preventDefault();
        form.clear();
        if (pw.mismatch()) {
          form.show({ code: "invalid", field: "confirm", ja: "確認用のパスワードが一致しません。", en: "The passwords do not match." });
          return;
        }
        void busy(submit, async () => {
          try {
            const s = await Session.Recover(key.value.trim(), login.value.trim(), pw.password.value);
            key.value = "";
            app.publicView = "login";
            app.adopt(s);
          } catch (e) {
            form.show(e);
          }
        });
      } } },
        form.banner,
        form.field("recoveryKey", t("recoveryKey"), key, { required: true }),
        form.field("login", t("adminLoginId"), login, { required: true }),
        form.field("password", t("newPassword"), pw.password, { required: true, hint: pw.meter }),
        form.field("confirm", t("passwordConfirm"), pw.confirm, { required: true }),
        pw.rules,
        h("div", { class: "actions" },
          problem ? null : h("button", { class: "secondary", type: "button", testid: "recover-back", on: { click: () => {
            app.publicView = "login";
            app.render();
          } } }, t("backToLogin")),
          submit))));
}
