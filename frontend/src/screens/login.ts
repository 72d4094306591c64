// Login: login ID and password. Go's messages (wrong password, locked account) are shown as-is.

import { h } from "../h";
import { Session } from "../api";
import { t } from "../i18n";
import type { App } from "../app";
import { Form, busy, input } from "../ui/form";
import { publicPage } from "../ui/layout";
import { showFactorStep } from "./factors";

export function renderLogin(app: App): HTMLElement {
  const form = new Form("login");
  const login = input("text", "", { autocomplete: "username", autofocus: true, maxlength: "64" });
  const password = input("password", "", { autocomplete: "current-password", maxlength: "128" });
  const submit = h("button", { class: "primary block", type: "submit", testid: "login-submit" }, t("login"));
  if (app.notice) {
    form.message(app.notice);
    form.banner.classList.replace("error", "info");
    app.notice = null;
  }
  const office = app.state?.office?.name;
  const card = h("div", { class: "card narrow" },
      h("h1", null, t("loginTitle")),
      office ? h("p", { class: "office-line", testid: "login-office" }, office) : null,
      h("form", { testid: "login-form", on: { submit: (ev: Event) => {
        ev.preventDefault();
        form.clear();
        form.banner.classList.replace("info", "error");
        void busy(submit, async () => {
          try {
            const s = await Session.Login(login.value.trim(), password.value);
            password.value = "";
            app.screen = "";
            // Password right, second factor (or its enrolment) pending: the second step.
            if (!s.loggedIn && (await showFactorStep(app, card))) return;
            app.adopt(s);
          } catch (e) {
            password.value = "";
            form.show(e);
          }
        });
      } } },
        form.banner,
        form.field("login", t("loginId"), login),
        form.field("password", t("password"), password),
        submit),
      h("div", { class: "below" },
        h("button", { class: "link", type: "button", testid: "to-recover", on: { click: () => {
          app.publicView = "recover";
          app.render();
        } } }, t("recoverLink"))));
  void showFactorStep(app, card); // a reloaded window at the second step
  return publicPage(app, "login-screen", card);
}
