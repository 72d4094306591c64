// What 1-3's tabs share (collect.ts opens them, collectRequest/Check/Numbers/Submitted draw
// them): the open company, the status words and the refusal banner. A module of its own, so the
// tabs do not import the screen that imports them.

import { h } from "../h";
import { errText, pick } from "../i18n";
import type { App } from "../app";
import type { CollectRules, Company } from "../contract.gen";

export type ColTab = "board" | "request" | "refusals";

/** ColCtx is one open company: the tabs draw into body. */
export interface ColCtx {
  app: App;
  company: Company;
  rules: CollectRules;
  body: HTMLElement;
  /** show switches to a tab; notice is shown on top of it once. */
  show(tab: ColTab, notice?: string): void;
}

/** Statuses whose request is still open: a new request is refused for them (Go decides). */
export const openStatuses = ["requested", "submitted", "checked", "returned"];

/** statusLabel names a status code in the current language. */
export function statusLabel(rules: CollectRules, code: string): string {
  const s = (rules.statuses ?? []).find((x) => x.code === code);
  return s ? pick(s.ja, s.en) : code;
}

/** statusTag is a status as a coloured tag. */
export function statusTag(rules: CollectRules, code: string, testid?: string): HTMLElement {
  const cls = code === "registered" ? "ok" : code === "returned" || code === "refused" ? "warn"
    : code === "unrequested" ? "muted" : "info";
  return h("span", { class: `tag ${cls} status-${code}`, testid, "data-status": code }, statusLabel(rules, code));
}

/** refusal shows why Go will not show the company (typically: not assigned to it). */
export function refusal(e: unknown, testid = "col-refused"): HTMLElement {
  return h("div", { class: "banner error", role: "alert", testid }, errText(e));
}
