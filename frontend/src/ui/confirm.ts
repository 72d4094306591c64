// confirmDialog asks before an action and shows the action's error in the dialog.

import { h } from "../h";
import { t } from "../i18n";
import { openDialog } from "./dialog";
import { Form, busy } from "./form";

export function confirmDialog(opts: {
  title: string;
  message: string;
  confirm: string;
  danger?: boolean;
  testid: string;
  action: () => Promise<void>;
}): void {
  const form = new Form(opts.testid);
  const ok = h("button", { class: opts.danger ? "danger" : "primary", type: "button", testid: `${opts.testid}-ok` }, opts.confirm);
  const d = openDialog({
    title: opts.title,
    testid: opts.testid,
    body: [form.banner, h("p", null, opts.message)],
    actions: [h("button", { class: "secondary", type: "button", on: { click: () => d.close() } }, t("cancel")), ok],
  });
  ok.addEventListener("click", () =>
    void busy(ok, async () => {
      try {
        await opts.action();
        d.close();
      } catch (e) {
        form.show(e);
      }
    }));
}
