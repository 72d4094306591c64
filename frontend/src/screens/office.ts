// M-1 企業情報設定: the operating office.

import { h, mount } from "../h";
import { Offices } from "../api";
import { errText, t } from "../i18n";
import type { App } from "../app";
import type { MenuItem } from "../contract.gen";
import { Form, busy } from "../ui/form";
import { loading, screenHead } from "../ui/layout";
import { officeFields } from "../ui/officeFields";

export function renderOffice(app: App, item: MenuItem | undefined, content: HTMLElement): void {
  mount(content, screenHead(item, t("officeSettings")), loading());
  Offices.Get().then(
    (office) => {
      const form = new Form("office");
      const fields = officeFields(form, office);
      const saved = h("div", { class: "banner success hidden", role: "status", testid: "office-saved" }, t("saved"));
      const submit = h("button", { class: "primary", type: "submit", testid: "office-save" }, t("save"));
      mount(content, screenHead(item, t("officeSettings")),
        h("form", { class: "panel", testid: "office-form", on: { submit: (ev: Event) => {
          ev.preventDefault();
          form.clear();
          saved.classList.add("hidden");
          void busy(submit, async () => {
            try {
              const o = fields.read();
              await Offices.Update(o);
              saved.classList.remove("hidden");
              // The header shows the office name: update it in place, keeping this screen.
              if (app.state) app.state.office = { name: o.name, kind: o.kind };
              const head = document.querySelector('[data-testid="header-office"]');
              if (head) head.textContent = o.name;
            } catch (e) {
              form.show(e);
            }
          });
        } } }, saved, form.banner, fields.el, h("div", { class: "actions" }, submit)));
    },
    (e) => mount(content, screenHead(item, t("officeSettings")), h("div", { class: "banner error", role: "alert" }, errText(e))),
  );
}
