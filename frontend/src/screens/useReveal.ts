// 3-1, revealing one number. The user picks a purpose from those Go offers for that person (the
// notified ones, then その他 with a typed reason); Go records the view before it returns the
// number. The number is then a text node in the row for hideAfterSeconds and nowhere else: no
// variable, closure or list keeps it. When the time is up (or the user hides it, or the screen
// changes) the node is removed from the DOM. A copy is recorded by Go first; the clipboard is
// written only when that succeeded.

import { h, mount } from "../h";
import { parseError } from "../api";
import { Use } from "../api_use";
import { errText, pick, t } from "../i18n";
import { dateTime } from "../format";
import type { UsePerson, UsePurpose } from "../contract.gen";
import { openDialog } from "../ui/dialog";
import { Form, busy } from "../ui/form";
import { loading } from "../ui/layout";
import type { UseCtx } from "./use";
import { Code } from "../contract.gen";

/** defaultHide is the fallback when Go sends no hide time (Go's default is 30 seconds). */
const defaultHide = 30;

/** openReveal asks for the purpose, reveals the number of p into cell, and restores masked()
 *  when the number hides again. */
export function openReveal(_ctx: UseCtx, p: UsePerson, cell: HTMLElement, masked: () => HTMLElement): void {
  const form = new Form("use-rv");
  const purpose = h("select", { testid: "use-purpose" }, h("option", { value: "" }, t("usePurposeChoose")));
  const reason = h("textarea", { rows: "2", maxlength: "200", autocomplete: "off", spellcheck: "false", testid: "use-reason" });
  const submit = h("button", { class: "primary", type: "submit", form: "use-reveal-form", testid: "use-reveal-submit",
    disabled: true }, t("useRevealSubmit"));
  const lead = h("p", { class: "hint" }, t("useRevealLead").replace("{n}", String(defaultHide)));
  const purposeRow = form.field("purpose", t("usePurpose"), purpose, { required: true });
  const reasonRow = form.field("reason", t("useReason"), reason, { hint: t("useReasonHint") });
  reasonRow.classList.add("hidden");
  const choices = h("div", { testid: "use-purpose-area" }, loading());
  let offered: UsePurpose[] = [];
  const needsReason = () => offered.find((x) => x.code === purpose.value)?.needsReason ?? false;
  const update = () => {
    const other = needsReason();
    reasonRow.classList.toggle("hidden", !other);
    submit.disabled = purpose.value === "" || (other && reason.value.trim() === "");
  };
  purpose.addEventListener("change", update);
  reason.addEventListener("input", update);

  const body = h("form", { id: "use-reveal-form", testid: "use-reveal-form", autocomplete: "off", on: { submit: (ev: Event) => {
    ev.preventDefault();
    if (submit.disabled) return;
    form.clear();
    void busy(submit, async () => {
      try {
        const r = await Use.Reveal({ personId: p.id, purpose: purpose.value, reason: needsReason() ? reason.value : "" });
        dlg.close();
        showRevealed(cell, p.id, r.formatted, r.hideAfterSeconds, masked);
      } catch (e) {
        const err = parseError(e);
        if (err.code === Code.Locked || err.code === Code.SessionExpired || err.code === Code.Unauthenticated) dlg.close();
        else form.show(err);
      }
      update();
    });
  } } }, lead, form.banner, choices);
  const dlg = openDialog({
    title: t("useRevealTitle").replace("{name}", p.name), testid: "use-reveal-dialog", body,
    actions: [h("button", { class: "secondary", type: "button", testid: "use-reveal-cancel", on: { click: () => dlg.close() } },
      t("cancel")), submit],
  });
  Use.Purposes(p.id).then(
    (ps) => {
      offered = ps ?? [];
      for (const x of offered) {
        const label = pick(x.labelJa, x.labelEn);
        purpose.appendChild(h("option", { value: x.code },
          x.notifiedAt ? `${label}（${t("useNotifiedOn").replace("{d}", dateTime(x.notifiedAt).slice(0, 10))}）` : label));
      }
      mount(choices, purposeRow, reasonRow);
      purpose.focus();
      update();
    },
    (e) => mount(choices, h("div", { class: "banner error", role: "alert", testid: "use-purposes-error" }, errText(e))),
  );
}

/** showRevealed puts the formatted number into cell for seconds, with the countdown, a copy and
 *  a hide button; then puts masked() back. The number lives only in the text node. */
function showRevealed(cell: HTMLElement, personId: number, formatted: string, seconds: number, masked: () => HTMLElement): void {
  const secs = seconds > 0 ? seconds : defaultHide;
  const deadline = performance.now() + secs * 1000;
  const num = h("span", { class: "mono revealed-number", testid: `use-revealed-${personId}`, "aria-label": t("useRevealedLabel") },
    formatted);
  const count = h("span", { class: "countdown", testid: `use-countdown-${personId}`, "aria-live": "off" });
  const note = h("span", { class: "copy-note", role: "status", testid: `use-copy-note-${personId}` });
  const copy = h("button", { class: "small secondary", type: "button", testid: `use-copy-${personId}` }, t("useCopy"));
  const hide = h("button", { class: "small secondary", type: "button", testid: `use-hide-${personId}` }, t("useHideNow"));
  const box = h("span", { class: "revealed", testid: `use-revealed-box-${personId}` }, num, count, copy, hide, note);
  let timer = 0;
  const hideIt = () => {
    window.clearInterval(timer);
    num.textContent = "";
    if (box.isConnected) mount(cell, masked());
    else box.replaceChildren();
  };
  const tick = () => {
    if (!box.isConnected) { // the screen changed: the number went with it
      hideIt();
      return;
    }
    const left = Math.ceil((deadline - performance.now()) / 1000);
    if (left <= 0) {
      hideIt();
      return;
    }
    count.textContent = t("useHidesIn").replace("{n}", String(left));
  };
  hide.addEventListener("click", hideIt);
  copy.addEventListener("click", () => void busy(copy, async () => {
    note.textContent = "";
    note.className = "copy-note";
    if (!box.isConnected || performance.now() >= deadline) return;
    try {
      await Use.RecordCopy(personId); // recorded first; the clipboard only if that succeeded
    } catch (e) {
      note.textContent = errText(e);
      note.classList.add("error");
      return;
    }
    try {
      await writeClipboard((num.textContent ?? "").replace(/\D/g, ""));
      note.textContent = t("useCopied");
      note.classList.add("ok");
    } catch {
      note.textContent = t("useCopyFailed");
      note.classList.add("error");
    }
  }));
  mount(cell, box);
  timer = window.setInterval(tick, 250);
  tick();
}

/** writeClipboard writes text through Wails' runtime when present, else the browser's API. */
async function writeClipboard(text: string): Promise<void> {
  const rt = (window as any).runtime;
  if (typeof rt?.ClipboardSetText === "function") {
    if (!(await rt.ClipboardSetText(text))) throw new Error("clipboard");
    return;
  }
  await navigator.clipboard.writeText(text);
}
