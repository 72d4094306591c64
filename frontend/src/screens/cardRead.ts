// 1-3 front desk: read an employee's (or dependent's) My Number card with the card reader. The
// dialog lists the readers, shows the PIN tries left BEFORE the PIN is asked for, and sends the
// 4-digit PIN once (never retried). The PIN is read from its input only to make the call, and the
// input is emptied right after, success or not; the number comes back masked. Go records the
// identity check (ICカード) and the number in one transaction.

import { h, mount } from "../h";
import { ApiError, parseError } from "../api";
import { Card } from "../api_card";
import { pick, t } from "../i18n";
import type { CardReadResult } from "../contract.gen";
import { openDialog } from "../ui/dialog";
import { Form, busy } from "../ui/form";
import { Code } from "../contract.gen";

/** openCardRead opens the dialog for one person; done is called with the result after a read. */
export function openCardRead(companyId: number, personId: number, name: string, done: (r: CardReadResult) => void): void {
  const form = new Form("card");
  const reader = h("select", { testid: "card-reader" });
  const retries = h("p", { class: "hint", testid: "card-retries", "aria-live": "polite" });
  const pin = h("input", { type: "password", inputmode: "numeric", autocomplete: "off", maxlength: "4", pattern: "[0-9]{4}",
    spellcheck: "false", class: "mono", testid: "card-pin" });
  const lastTry = h("input", { type: "checkbox", testid: "card-last-try" });
  const lastTryBox = h("div", { class: "banner warn hidden", role: "alert", testid: "card-last-try-box" },
    h("p", null, t("cardLastTry")), h("label", null, lastTry, " ", t("cardLastTryOk")));
  const result = h("div", { class: "hidden", testid: "card-result" });
  const read = h("button", { class: "primary", type: "button", testid: "card-read", disabled: true }, t("cardDoRead"));
  const check = h("button", { class: "secondary small", type: "button", testid: "card-check-retries" }, t("cardRetriesCheck"));
  form.alias("reader", "reader");

  // One card call at a time (the bridge shares one PC/SC context; a reader changed while the
  // previous one is still waiting for a card must not race it), and only the latest answer counts.
  let queue: Promise<unknown> = Promise.resolve();
  let seq = 0;
  const showRetries = () => {
    const mine = ++seq;
    read.disabled = true;
    mount(retries);
    queue = queue.then(async () => {
      if (mine !== seq) return;
      form.clear();
      try {
        const n = await Card.Retries(reader.value);
        if (mine !== seq) return;
        retries.textContent = t("cardRetries").replace("{n}", String(n));
        lastTryBox.classList.toggle("hidden", n !== 1);
        read.disabled = n < 1;
        pin.focus();
      } catch (e) {
        if (mine === seq) form.show(e);
      }
    });
    return queue;
  };
  const loadReaders = async () => {
    try {
      const rs = (await Card.Readers()) ?? [];
      mount(reader, rs.map((r) => h("option", { value: r }, r)));
      await showRetries();
    } catch (e) {
      form.show(e);
    }
  };
  reader.addEventListener("change", () => void showRetries());
  check.addEventListener("click", () => void showRetries());

  const d = openDialog({
    title: t("cardTitle").replace("{name}", name),
    testid: "card-dialog",
    body: [
      h("p", { class: "hint" }, t("cardLead")),
      form.banner,
      form.field("reader", t("cardReader"), reader),
      h("div", { class: "ops" }, retries, check),
      lastTryBox,
      form.field("pin", t("cardPin"), pin),
      result,
    ],
    actions: [h("button", { class: "secondary", type: "button", testid: "card-close", on: { click: () => d.close() } }, t("close")), read],
    onClose: () => {
      pin.value = "";
    },
  });

  read.addEventListener("click", () => void busy(read, async () => {
    form.clear();
    const value = pin.value;
    pin.value = "";
    if (!/^[0-9]{4}$/.test(value)) {
      form.show(new ApiError("bad_pin_format", "暗証番号は数字4桁です。", "The PIN is 4 digits.", "pin"));
      return;
    }
    try {
      const r = await Card.ReadForCheck(companyId, personId, reader.value, value, lastTry.checked);
      showResult(r);
      read.classList.add("hidden");
      Card.Retries(reader.value).then((n) => { retries.textContent = t("cardRetries").replace("{n}", String(n)); }, () => undefined);
      done(r);
    } catch (e) {
      const err = parseError(e);
      if (err.code === Code.LastTry) lastTryBox.classList.remove("hidden");
      form.show(err);
      if (err.code === Code.WrongPIN || err.code === Code.LastTry) void showRetriesKeepError(err);
    }
  }));

  // After a wrong PIN, the tries shown are refreshed without hiding the error.
  async function showRetriesKeepError(err: unknown): Promise<void> {
    try {
      const n = await Card.Retries(reader.value);
      retries.textContent = t("cardRetries").replace("{n}", String(n));
      lastTryBox.classList.toggle("hidden", n !== 1);
      read.disabled = n < 1;
    } catch {
      // the error of the read stays shown
    }
    form.show(err);
  }

  function showResult(r: CardReadResult): void {
    const row = (label: string, value: string, testid: string) =>
      h("div", null, h("dt", null, label), h("dd", { testid }, value));
    mount(result,
      h("div", { class: "banner success", role: "status", testid: "card-done" }, t("cardDone")),
      (r.warnings ?? []).map((w, i) => h("div", { class: "banner warn", role: "alert", testid: `card-warning-${i}` }, pick(w.ja, w.en))),
      h("dl", { class: "card-facts" },
        row(t("cardNumber"), r.masked, "card-masked"),
        row(t("cardName"), r.name, "card-name"),
        row(t("cardAddress"), r.address, "card-address"),
        row(t("cardBirth"), r.birthDate, "card-birth"),
        row(t("cardSex"), r.sexLabel, "card-sex"),
        row(t("cardIntegrity"), r.integrity, "card-integrity")));
    result.classList.remove("hidden");
  }

  void loadReaders();
}
