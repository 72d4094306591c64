// A Recovery Kit was never confirmed (setup was interrupted, or the vault was recovered): the
// administrator makes a new one, after giving the password again, and types it back.

import { h, mount } from "../h";
import { Session } from "../api";
import { t } from "../i18n";
import type { App } from "../app";
import { Form, busy, input } from "../ui/form";
import { publicPage } from "../ui/layout";
import { renderKit } from "../ui/kit";

export function renderKitRenewal(app: App): HTMLElement {
  const form = new Form("renew");
  const password = input("password", "", { autocomplete: "current-password", autofocus: true, maxlength: "128" });
  const submit = h("button", { class: "primary", type: "submit", testid: "renew-submit" }, t("kitRenew"));
  const body = h("div", null,
    h("p", { class: "lead" }, t("kitPendingLead")),
    h("form", { testid: "renew-form", on: { submit: (ev: Event) => {
      ev.preventDefault();
      form.clear();
      void busy(submit, async () => {
        try {
          const kit = await Session.RegenerateRecoveryKit(password.value);
          password.value = "";
          mount(body, h("p", { class: "hint" }, t("kitIntro")), renderKit(kit, () => void app.refresh()));
        } catch (e) {
          form.show(e);
        }
      });
    } } },
      form.banner,
      form.field("password", t("password"), password, { required: true }),
      h("div", { class: "actions" },
        h("button", { class: "secondary", type: "button", on: { click: () => app.logout() } }, t("logout")),
        submit)));
  return publicPage(app, "kit-renewal-screen", h("div", { class: "card wide" }, h("h1", null, t("kitPendingTitle")), body));
}
