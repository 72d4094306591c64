// A file chooser in the UI language. The native <input type=file> draws its button and its
// "no file chosen" text in the language of the OS or the browser (WebKitGTK, WebView2), not in
// the app's: the input is kept (screen readers, tests and the change event use it) but hidden
// visually, and a button of ours opens it and a line of ours names what was chosen.

import { h } from "../h";
import { t } from "../i18n";

export interface FilePicker {
  /** el goes into the form: our button, the chosen names, and the hidden native input. */
  el: HTMLElement;
  /** input is the native input: its files and its change event. */
  input: HTMLInputElement;
  /** disable greys the button out (while a chosen file is read) or enables it again. */
  disable(off: boolean): void;
  /** reset forgets the chosen files. */
  reset(): void;
}

/** filePicker makes a chooser for files of accept; testid names the native input (as before),
 *  testid+"-picker" the whole, testid+"-button" our button and testid+"-chosen" the line of chosen names (left out with
 *  chosen: false, for a screen that lists what was added itself and empties the input). */
export function filePicker(opts: { accept: string; multiple?: boolean; testid: string; chosen?: boolean }): FilePicker {
  const input = h("input", { type: "file", accept: opts.accept, multiple: !!opts.multiple, class: "visually-hidden",
    testid: opts.testid, tabindex: "-1", "aria-hidden": "true" });
  const chosen = h("span", { class: "muted file-chosen", testid: `${opts.testid}-chosen`, "aria-live": "polite" }, t("fileNone"));
  const button = h("button", { type: "button", class: "secondary", testid: `${opts.testid}-button`,
    on: { click: () => input.click() } },
    t(opts.multiple ? "fileChooseMany" : "fileChoose"));
  input.addEventListener("change", () => {
    const names = [...(input.files ?? [])].map((f) => f.name);
    chosen.textContent = names.length ? names.join("、") : t("fileNone");
  });
  return {
    el: h("span", { class: "file-picker", role: "group", testid: `${opts.testid}-picker` }, button, opts.chosen === false ? null : chosen, input),
    input,
    disable: (off) => { button.disabled = off; input.disabled = off; },
    reset: () => { input.value = ""; chosen.textContent = t("fileNone"); },
  };
}
