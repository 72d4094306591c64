// The Recovery Kit page: the key in large monospace groups, a print button that prints only
// the kit, and the confirmation step where the user types the key back from paper. The key is
// never kept anywhere but this page's DOM.

import { h } from "../h";
import { Session } from "../api";
import { t } from "../i18n";
import { dateTime } from "../format";
import { Form, busy } from "./form";
import type { RecoveryKitView } from "../contract.gen";

/** keyGroups splits a key for display: on its own separators, else every 4 characters. */
export function keyGroups(key: string): string[] {
  const parts = key.trim().split(/[\s-]+/).filter(Boolean);
  if (parts.length > 1) return parts;
  const out: string[] = [];
  for (let i = 0; i < key.length; i += 4) out.push(key.slice(i, i + 4));
  return out;
}

/** renderKit shows kit and calls done() after ConfirmRecoveryKit succeeded. */
export function renderKit(kit: RecoveryKitView, done: () => void): HTMLElement {
  const groups = keyGroups(kit.key);
  const keyBlock = h("div", { class: "kit-key", testid: "kit-key-groups", translate: "no" },
    groups.map((g) => h("span", { class: "kit-group" }, g)));

  const form = new Form("kit");
  const typed = h("input", {
    type: "text", class: "mono", autocomplete: "off", spellcheck: "false", autocapitalize: "characters",
  });
  const finish = h("button", { class: "primary", type: "submit", testid: "kit-confirm" }, t("kitFinish"));
  const confirmForm = h("form", { class: "kit-confirm hidden", testid: "kit-confirm-form", on: {
    submit: (ev: Event) => {
      ev.preventDefault();
      form.clear();
      if (!typed.value.trim()) {
        form.message(t("kitTypeBackEmpty"));
        return;
      }
      void busy(finish, async () => {
        try {
          await Session.ConfirmRecoveryKit(typed.value.trim());
          done();
        } catch (e) {
          form.show(e);
        }
      });
    },
  } },
    h("p", null, t("kitTypeBackIntro")),
    form.banner,
    form.field("key", t("kitTypeBack"), typed),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", testid: "kit-show-again", on: { click: () => {
        keyPanel.classList.remove("hidden");
      } } }, t("kitShowAgain")),
      finish),
  );

  const written = h("button", { class: "primary", type: "button", testid: "kit-written", autofocus: true, on: { click: () => {
    keyPanel.classList.add("hidden");
    written.classList.add("hidden");
    confirmForm.classList.remove("hidden");
    typed.focus();
  } } }, t("kitWritten"));

  const keyPanel = h("div", { class: "kit-panel" },
    keyBlock,
    h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", testid: "kit-print", on: { click: () => window.print() } },
        t("print"))),
  );

  const printable = h("div", { class: "print-kit", testid: "kit-print-area" },
    h("h1", null, "MYNUMBER SHELTER — リカバリーキット / Recovery Kit"),
    h("div", { class: "kit-key print" }, groups.map((g) => h("span", { class: "kit-group" }, g))),
    // Go's printable text carries the office, vault id, date and instructions.
    kit.text
      ? h("pre", { class: "kit-text" }, kit.text)
      : h("dl", null,
          h("dt", null, "事務所 / Office"), h("dd", null, kit.officeName),
          h("dt", null, "Vault ID"), h("dd", { class: "mono" }, kit.vaultId),
          h("dt", null, "作成日時 / Created"), h("dd", null, dateTime(kit.createdAt))),
  );

  return h("section", { class: "kit", testid: "recovery-kit" },
    h("div", { class: "banner warn" }, t("kitWarning")),
    h("dl", { class: "kit-meta" },
      h("dt", null, t("office")), h("dd", { testid: "kit-office" }, kit.officeName),
      h("dt", null, "Vault ID"), h("dd", { class: "mono" }, kit.vaultId),
      h("dt", null, t("createdAt")), h("dd", null, dateTime(kit.createdAt))),
    keyPanel,
    written,
    confirmForm,
    printable,
  );
}
