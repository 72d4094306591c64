// A modal dialog. Escape and the close button dismiss it unless it is marked sticky (a dialog
// that shows a secret once must be acknowledged with its own button).

import { h, type Child } from "../h";
import { t } from "../i18n";

export interface Dialog {
  el: HTMLElement;
  close(): void;
}

export function openDialog(opts: {
  title: string;
  body: Child;
  actions?: HTMLElement[];
  testid?: string;
  sticky?: boolean;
  onClose?: () => void;
}): Dialog {
  const prevFocus = document.activeElement as HTMLElement | null;
  const close = () => {
    overlay.remove();
    document.removeEventListener("keydown", onKey);
    opts.onClose?.();
    prevFocus?.focus?.();
  };
  const onKey = (ev: KeyboardEvent) => {
    if (ev.key === "Escape" && !opts.sticky) close();
  };
  const box = h(
    "div",
    { class: "dialog", role: "dialog", "aria-modal": "true", testid: opts.testid ?? "dialog" },
    h(
      "div",
      { class: "dialog-head" },
      h("h2", null, opts.title),
      opts.sticky
        ? null
        : h("button", { class: "icon", type: "button", "aria-label": t("close"), on: { click: close } }, "×"),
    ),
    h("div", { class: "dialog-body" }, opts.body),
    opts.actions?.length ? h("div", { class: "dialog-actions" }, opts.actions) : null,
  );
  const overlay = h("div", { class: "overlay no-print" }, box);
  document.body.appendChild(overlay);
  document.addEventListener("keydown", onKey);
  const first = box.querySelector<HTMLElement>("input, select, textarea, .dialog-actions button");
  first?.focus();
  return { el: box, close };
}
