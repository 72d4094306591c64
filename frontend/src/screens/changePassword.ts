// Forced password change after an administrator set a temporary password.

import { h } from "../h";
import { Session } from "../api";
import { t } from "../i18n";
import type { App } from "../app";
import { Form, busy, input } from "../ui/form";
import { publicPage } from "../ui/layout";
import { passwordPair } from "../ui/password";

export function renderChangePassword(app: App): HTMLElement {
  const form = new Form("change").alias("next", "password");
  const current = input("password", "", { autocomplete: "current-password", autofocus: true, maxlength: "128" });
  const pw = passwordPair("change");
  const submit = h("button", { class: "primary", type: "submit", testid: "change-submit" }, t("changePassword"));
  const user = app.state?.user;
  return publicPage(app, "change-password-screen",
    h("div", { class: "card" },
      h("h1", null, t("changePasswordTitle")),
      h("p", { class: "lead" }, t("changePasswordLead")),
      user ? h("p", { class: "office-line" }, `${user.displayName}（${user.login}）`) : null,
      h("form", { testid: "change-form", on: { submit: (ev: Event) => {
        ev.preventDefault();
        form.clear();
        if (pw.mismatch()) {
          form.show({ code: "invalid", field: "confirm", ja: "確認用のパスワードが一致しません。", en: "The passwords do not match." });
          return;
        }
        void busy(submit, async () => {
          try {
            await Session.ChangePassword(current.value, pw.password.value);
            await app.refresh();
          } catch (e) {
            const err = form.show(e);
            if (err.field === "current") current.value = "";
          }
        });
      } } },
        form.banner,
        form.field("current", t("currentPassword"), current, { required: true }),
        form.field("password", t("newPassword"), pw.password, { required: true, hint: pw.meter }),
        form.field("confirm", t("passwordConfirm"), pw.confirm, { required: true }),
        pw.rules,
        h("div", { class: "actions" },
          h("button", { class: "secondary", type: "button", on: { click: () => app.logout() } }, t("logout")),
          submit))));
}
