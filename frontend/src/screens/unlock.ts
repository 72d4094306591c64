// Idle lock: the session is kept, the screen is hidden until the same user's password is given.

import { h } from "../h";
import { Session } from "../api";
import { t } from "../i18n";
import type { App } from "../app";
import { Form, busy, input } from "../ui/form";
import { publicPage } from "../ui/layout";
import { unlockByFactor } from "./factors";
import { Code } from "../contract.gen";

export function renderUnlock(app: App): HTMLElement {
  const form = new Form("unlock");
  const password = input("password", "", { autocomplete: "current-password", autofocus: true, maxlength: "128" });
  const submit = h("button", { class: "primary block", type: "submit", testid: "unlock-submit" }, t("unlock"));
  const user = app.state?.user;
  const factorSlot = h("div", { testid: "unlock-factor" });
  unlockByFactor(app, factorSlot);
  return publicPage(app, "unlock-screen",
    h("div", { class: "card narrow" },
      h("h1", null, t("lockedTitle")),
      h("p", { class: "lead" }, t("lockedLead")),
      user ? h("p", { class: "office-line", testid: "unlock-user" }, `${user.displayName}（${user.login}）`) : null,
      factorSlot,
      h("form", { testid: "unlock-form", on: { submit: (ev: Event) => {
        ev.preventDefault();
        form.clear();
        void busy(submit, async () => {
          try {
            await Session.Unlock(password.value);
            password.value = "";
            await app.refresh();
          } catch (e) {
            password.value = "";
            const err = form.show(e);
            if (err.code === Code.SessionExpired || err.code === Code.Unauthenticated) await app.refresh();
          }
        });
      } } },
        form.banner,
        form.field("password", t("password"), password),
        submit),
      h("div", { class: "below" },
        h("button", { class: "link", type: "button", testid: "unlock-logout", on: { click: () => app.logout() } },
          t("logoutAndSwitch")))));
}
