// What 4-1's tabs share (dispose.ts opens them, disposeFlow.ts draws most): the open company,
// the one-time notice and the refusal banner, in a module of its own so that the tabs do not
// import the screen that imports them.

import { h } from "../h";
import { errText } from "../i18n";
import type { App } from "../app";
import type { Company } from "../contract.gen";

export type DispTab = "due" | "pending" | "execute" | "records" | "register";

/** DispCtx is one open company: the tabs draw into body. */
export interface DispCtx {
  app: App;
  company: Company;
  body: HTMLElement;
  /** me is the logged-in user's id (the proposer of a disposal may not approve it). */
  me: number;
  /** notice, when set, is shown once at the top of the next tab drawn (a success message). */
  notice: HTMLElement | null;
  show(tab: DispTab): void;
}

/** takeNotice returns the pending success message (once). */
export function takeNotice(ctx: DispCtx): HTMLElement | null {
  const n = ctx.notice;
  ctx.notice = null;
  return n;
}

/** refused shows why Go will not list the company's disposals (typically: not assigned). */
export function refused(e: unknown): HTMLElement {
  return h("div", { class: "banner error", role: "alert", testid: "disp-refused" }, errText(e));
}
