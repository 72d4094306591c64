// The second-factor picker (login step, unlock, step-up) and the step-up dialog. A call that
// fails with "step_up_required" (a reveal, a bulk download, a disposal) opens the dialog through
// the hook in api.ts and is retried once after the user confirmed. The PIN and the password are
// read from their inputs only for the call and the inputs are emptied at once.

import { h, mount } from "../h";
import type { ApiError } from "../api";
import { Factors } from "../api_factors";
import { t } from "../i18n";
import type { FactorRequest, FactorView } from "../contract.gen";
import type { FactorKind } from "../types_factors";
import { openDialog } from "./dialog";
import { Form, busy, input } from "./form";
import { Code } from "../contract.gen";

/** kindLabel is the display name of a kind of factor. */
export function kindLabel(kind: FactorKind | string): string {
  switch (kind) {
    case "vein":
      return t("faKind_vein");
    case "card":
      return t("faKind_card");
    case "jpki":
      return t("faKind_jpki");
  }
  return kind;
}

/** prompt is what the user must do for a kind of factor. */
export function promptFor(kind: FactorKind | string): string {
  if (kind === "vein") return t("faPromptVein");
  if (kind === "card") return t("faPromptCard");
  return t("faPromptJpki");
}

/** DevicePart is the reader / PIN part of a factor form, for one kind of factor. */
export interface DevicePart {
  el: HTMLElement;
  /** setKind shows what the kind needs (reader for cards, PIN and tries for JPKI). */
  setKind(kind: FactorKind | string): void;
  /** take returns reader, PIN and allowLastTry, emptying the PIN input. */
  take(): { reader: string; pin: string; allowLastTry: boolean };
  /** refresh re-reads the tries left (after a wrong PIN). */
  refresh(): void;
}

/** devicePart builds the reader select, the prompt, and for JPKI the tries and the PIN. */
export function devicePart(form: Form, prefix: string): DevicePart {
  const prompt = h("p", { class: "banner info", role: "status", testid: `${prefix}-prompt` });
  const reader = h("select", { testid: `${prefix}-reader` });
  const readerRow = form.field("reader", t("faReader"), reader);
  const retries = h("p", { class: "hint", testid: `${prefix}-retries`, "aria-live": "polite" });
  const pin = h("input", { type: "password", inputmode: "numeric", autocomplete: "off", maxlength: "4", pattern: "[0-9]{4}",
    spellcheck: "false", class: "mono", testid: `${prefix}-pin` });
  const pinRow = form.field("pin", t("faPin"), pin);
  const lastTry = h("input", { type: "checkbox", testid: `${prefix}-last-try` });
  const lastTryBox = h("div", { class: "banner warn hidden", role: "alert" },
    h("p", null, t("faLastTry")), h("label", null, lastTry, " ", t("faLastTryOk")));
  const jpkiPart = h("div", null, retries, lastTryBox, pinRow);
  let kind = "";
  let readersLoaded = false;
  const showRetries = async () => {
    if (kind !== "jpki") return;
    retries.textContent = "";
    try {
      const n = await Factors.JPKIRetries(reader.value);
      retries.textContent = t("faRetries").replace("{n}", String(n));
      lastTryBox.classList.toggle("hidden", n !== 1);
    } catch (e) {
      form.show(e);
    }
  };
  const loadReaders = async () => {
    if (readersLoaded) return;
    readersLoaded = true;
    try {
      const rs = (await Factors.Readers()) ?? [];
      mount(reader, rs.map((r) => h("option", { value: r }, r)));
    } catch (e) {
      readersLoaded = false;
      form.show(e);
    }
  };
  reader.addEventListener("change", () => void showRetries());
  const el = h("div", { class: "factor-device" }, prompt, readerRow, jpkiPart);
  return {
    el,
    setKind(k) {
      kind = k;
      prompt.textContent = promptFor(k);
      readerRow.classList.toggle("hidden", k === "vein");
      jpkiPart.classList.toggle("hidden", k !== "jpki");
      if (k === "card" || k === "jpki") void loadReaders().then(showRetries);
    },
    take() {
      const v = { reader: kind === "vein" ? "" : reader.value, pin: kind === "jpki" ? pin.value : "", allowLastTry: lastTry.checked };
      pin.value = "";
      return v;
    },
    refresh() {
      void showRetries();
    },
  };
}

/** FactorPicker chooses one of the user's factors and gathers what its device needs. */
export interface FactorPicker {
  el: HTMLElement;
  take(): FactorRequest;
  refresh(): void;
}

export function factorPicker(form: Form, prefix: string, factors: FactorView[]): FactorPicker {
  const choose = h("select", { testid: `${prefix}-factor` },
    factors.map((f) => h("option", { value: String(f.id) }, `${kindLabel(f.kind)}${f.label && f.label !== kindLabel(f.kind) ? "：" + f.label : ""}`)));
  const dev = devicePart(form, prefix);
  const kindOf = () => factors.find((f) => String(f.id) === choose.value)?.kind ?? "";
  choose.addEventListener("change", () => dev.setKind(kindOf()));
  dev.setKind(kindOf());
  const row = form.field("factor", t("faChoose"), choose);
  if (factors.length < 2) row.classList.add("hidden");
  return {
    el: h("div", null, row, dev.el),
    take: () => ({ factorId: Number(choose.value), ...dev.take() }),
    refresh: () => dev.refresh(),
  };
}

/** showFactorError shows err in form and refreshes the tries after a PIN problem. */
export function showFactorError(form: Form, picker: { refresh(): void }, e: unknown): ApiError {
  const err = form.show(e);
  if (err.code === Code.WrongPIN || err.code === Code.LastTry) picker.refresh();
  return err;
}

let pending: Promise<boolean> | null = null;

/** askStepUp asks for a factor (or, without factors, the password) and resolves true once Go
 *  accepted it, false when the user cancelled. Concurrent askers share one dialog. */
export function askStepUp(): Promise<boolean> {
  if (!pending) {
    pending = openStepUp().finally(() => {
      pending = null;
    });
  }
  return pending;
}

async function openStepUp(): Promise<boolean> {
  let status;
  try {
    status = await Factors.Status();
  } catch {
    return false;
  }
  return new Promise<boolean>((resolve) => {
    let done = false;
    const form = new Form("stepup");
    const factors = status.factors ?? [];
    // A submit button of the dialog's form: Enter in the password or PIN confirms, as in every
    // other form.
    const ok = h("button", { class: "primary", type: "submit", form: "stepup-form", testid: "stepup-submit" }, t("faVerify"));
    let body: HTMLElement;
    let run: () => Promise<void>;
    if (status.stepUpWith === "password" || factors.length === 0) {
      const pw = input("password", "", { autocomplete: "current-password", maxlength: "128", testid: "stepup-password" });
      body = h("div", null, h("p", { class: "hint" }, t("faStepUpPassword")), form.field("password", t("faPassword"), pw));
      run = async () => {
        const v = pw.value;
        pw.value = "";
        await Factors.StepUpPassword(v);
      };
    } else {
      const picker = factorPicker(form, "stepup", factors);
      body = picker.el;
      run = async () => {
        try {
          await Factors.StepUp(picker.take());
        } catch (e) {
          picker.refresh();
          throw e;
        }
      };
    }
    const d = openDialog({
      title: t("faStepUpTitle"),
      testid: "stepup-dialog",
      body: h("form", { id: "stepup-form", testid: "stepup-form", autocomplete: "off", on: { submit: (ev: Event) => {
        ev.preventDefault();
        submit();
      } } }, h("p", { class: "lead" }, t("faStepUpLead")), form.banner, body),
      actions: [h("button", { class: "secondary", type: "button", testid: "stepup-cancel", on: { click: () => d.close() } }, t("cancel")), ok],
      onClose: () => {
        if (!done) resolve(false);
      },
    });
    function submit(): void {
      if (ok.disabled) return;
      void busy(ok, async () => {
        form.clear();
        try {
          await run();
          done = true;
          d.close();
          resolve(true);
        } catch (e) {
          form.show(e);
        }
      });
    }
  });
}
