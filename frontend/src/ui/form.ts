// Form helpers: labelled fields with an error slot next to each, and a banner for errors that
// concern no field. Errors from Go carry the JSON field name; show() puts the message there.

import { h, type Child } from "../h";
import { ApiError, parseError } from "../api";
import { errText, t } from "../i18n";

interface Slot {
  row: HTMLElement;
  err: HTMLElement;
  input: HTMLElement;
}

export class Form {
  readonly banner: HTMLElement;
  private slots = new Map<string, Slot>();
  private aliases = new Map<string, string>();

  constructor(readonly testid: string) {
    this.banner = h("div", { class: "banner error hidden", role: "alert", testid: `${testid}-error` });
  }

  /** field makes a labelled row for input; name is the Go field name errors refer to. */
  field(name: string, label: string, input: HTMLElement, opts: { hint?: Child; required?: boolean; wide?: boolean } = {}): HTMLElement {
    const id = `${this.testid}-${name}`;
    input.id = id;
    if (!input.hasAttribute("data-testid")) input.setAttribute("data-testid", id);
    const err = h("div", { class: "field-error hidden", role: "alert", testid: `${id}-error` });
    const row = h(
      "div",
      { class: "field" + (opts.wide ? " wide" : "") },
      h("label", { for: id }, label, opts.required ? h("span", { class: "req" }, t("required")) : null),
      input,
      opts.hint ? h("div", { class: "hint" }, opts.hint) : null,
      err,
    );
    this.slots.set(name, { row, err, input });
    return row;
  }

  /** alias shows errors about Go's field name under one of this form's fields. */
  alias(goField: string, formField: string): this {
    this.aliases.set(goField, formField);
    return this;
  }

  /** clear hides every error. */
  clear(): void {
    this.banner.classList.add("hidden");
    this.banner.textContent = "";
    for (const s of this.slots.values()) {
      s.err.classList.add("hidden");
      s.err.textContent = "";
      s.row.classList.remove("invalid");
      s.input.removeAttribute("aria-invalid");
    }
  }

  /** show displays e next to its field when the form has that field, else in the banner. */
  show(e: unknown): ApiError {
    const err = parseError(e);
    const name = err.field ? this.aliases.get(err.field) ?? err.field : "";
    const slot = name
      ? this.slots.get(name) ?? this.slots.get(name.slice(name.lastIndexOf(".") + 1))
      : undefined;
    if (slot) {
      slot.err.textContent = errText(err);
      slot.err.classList.remove("hidden");
      slot.row.classList.add("invalid");
      slot.input.setAttribute("aria-invalid", "true");
      slot.input.focus();
    } else {
      this.message(errText(err));
    }
    return err;
  }

  /** message shows text in the banner. */
  message(text: string): void {
    this.banner.textContent = text;
    this.banner.classList.remove("hidden");
  }
}

/** input makes a text-like input. */
export function input(type: string, value = "", props: Record<string, unknown> = {}): HTMLInputElement {
  return h("input", { type, value, ...props });
}

/** busy disables button while fn runs, so a double click cannot submit twice. */
export async function busy<T>(button: HTMLButtonElement, fn: () => Promise<T>): Promise<T> {
  button.disabled = true;
  try {
    return await fn();
  } finally {
    button.disabled = false;
  }
}
