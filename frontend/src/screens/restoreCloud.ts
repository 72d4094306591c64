// 「クラウドから復元」 of the first start: the relay (URL, CA certificate), the one-time restore
// code, the Recovery Kit's key, an administrator's login and the new password on this PC. Go
// fetches the sealed snapshot, opens it with the kit, checks it and logs the administrator in.

import { h } from "../h";
import { Replica } from "../api_backup";
import { t } from "../i18n";
import type { App } from "../app";
import { Form, input } from "../ui/form";
import { publicPage } from "../ui/layout";
import { restoreCredentials } from "./restoreBackup";

export function renderRestoreCloud(app: App, back: () => void): HTMLElement {
  const form = new Form("cloud-restore");
  const url = input("url", "", { autocomplete: "off", spellcheck: "false", placeholder: "https://relay.example.jp", autofocus: true });
  const ca = h("textarea", { rows: "4", class: "mono", autocomplete: "off", spellcheck: "false", placeholder: "-----BEGIN CERTIFICATE-----" });
  const code = input("text", "", { autocomplete: "off", spellcheck: "false", class: "mono", placeholder: "XXXX-XXXX-XXXX-XXXX-XXXX" });
  const submit = h("button", { class: "primary", type: "submit", testid: "cloud-restore-submit" }, t("restoreSubmit"));
  form.alias("caPem", "ca");
  const relayFields = [
    form.field("url", t("syncRelayURL"), url, { required: true }),
    form.field("ca", t("syncCAPEM"), ca, { required: true }),
    form.field("code", t("restoreCode"), code, { required: true }),
  ];
  const cred = restoreCredentials(app, form, "cloud-restore", submit,
    (c) => Replica.RestoreFromCloud({ url: url.value.trim(), caPem: ca.value, code: code.value.trim(), ...c }));
  return publicPage(app, "cloud-restore-screen",
    h("div", { class: "card" },
      h("h1", null, t("cloudRestoreTitle")),
      h("p", { class: "lead" }, t("cloudRestoreLead")),
      h("form", { testid: "cloud-restore-form", on: { submit: cred.onSubmit } },
        form.banner,
        relayFields,
        cred.fields,
        h("div", { class: "actions" },
          h("button", { class: "secondary", type: "button", testid: "cloud-restore-back", on: { click: back } }, t("restoreBack")),
          submit))));
}
