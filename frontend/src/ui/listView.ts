// The parts every long list shares (the person lists of 1-2, 1-3 and 3-1, the companies of M-3,
// the disposal list of 4-1): column headers that sort, and a pager with page numbers, a page
// size the user chooses and the count 「全 N 件中 1–20 件」.
//
// A list keeps its ListState in its screen's module (in memory, for the session, reset when
// another user logs in): the search, the sort, the page and the page size survive opening a
// person and coming back, and never reach localStorage, since a search may hold a name.
//
// Lists that Go pages (it searches with app/jtext and sorts by reading) send sort, desc, offset
// and limit; lists that arrive whole are sorted and cut here with sortRows and pageRows.

import { h, mount } from "../h";
import { t } from "../i18n";

/** pageSizes are the page sizes the user may choose. */
export const pageSizes = [20, 50, 100];

/** ListState is where a user is in one list. */
export interface ListState {
  /** sort is the column key ("" = the list's own order); desc reverses it. */
  sort: string;
  desc: boolean;
  /** offset is the first row shown (a multiple of pageSize). */
  offset: number;
  pageSize: number;
}

/** listState is the initial state: the list's own order, first page of 50. */
export function listState(pageSize = 50): ListState {
  return { sort: "", desc: false, offset: 0, pageSize };
}

/** Column is one header: key makes it sortable (the key Go or sortRows knows). */
export interface Column {
  label: string;
  key?: string;
  class?: string;
  /** node replaces the label (a select-all checkbox). */
  node?: Node;
}

// refocus is the sort button pressed last, to focus again once its header is redrawn.
let refocus = "";

/** sortHead is a header row; clicking (or Enter / Space on) a sortable header sorts by it, a
 *  second click reverses it. aria-sort and an arrow show the order. prefix names the test ids
 *  (`<prefix>-sort-<key>`). */
export function sortHead(prefix: string, cols: Column[], st: ListState, changed: () => void): HTMLTableSectionElement {
  const cells = cols.map((c) => {
    if (!c.key) return h("th", { class: c.class }, c.node ?? c.label);
    const key = c.key;
    const on = st.sort === key;
    const arrow = on ? (st.desc ? "▼" : "▲") : "↕";
    const button = h("button", { type: "button", class: "sort", testid: `${prefix}-sort-${key}`,
      title: on && !st.desc ? t("sortDesc") : t("sortAsc"),
      on: { click: () => {
        if (st.sort === key) st.desc = !st.desc;
        else { st.sort = key; st.desc = false; }
        st.offset = 0;
        refocus = `${prefix}-sort-${key}`;
        changed();
      } } },
      c.label, h("span", { class: "arrow" + (on ? "" : " idle"), "aria-hidden": "true" }, arrow));
    if (refocus === `${prefix}-sort-${key}`) {
      // The header is drawn anew after a sort: the keyboard stays on the button it pressed.
      refocus = "";
      setTimeout(() => { if (button.isConnected) button.focus(); }, 0);
    }
    return h("th", { class: ((c.class ?? "") + " sortable" + (on ? " sorted" : "")).trim(),
      "aria-sort": on ? (st.desc ? "descending" : "ascending") : "none" }, button);
  });
  return h("thead", null, h("tr", null, cells));
}

/** Pager draws the count, first / previous / page numbers / next / last and the page size. */
export class Pager {
  readonly el: HTMLElement;
  /** count is 「全 N 件中 1–20 件」, to show above the list too. */
  readonly count: HTMLElement;
  private readonly pages: HTMLElement;
  private readonly size: HTMLSelectElement;

  constructor(private readonly prefix: string, private readonly st: ListState, private readonly changed: () => void) {
    this.count = h("span", { class: "total", testid: `${prefix}-count`, "aria-live": "polite" });
    this.pages = h("span", { class: "pages", testid: `${prefix}-pages` });
    this.size = h("select", { testid: `${prefix}-page-size`, "aria-label": t("pageSize") },
      pageSizes.map((n) => h("option", { value: String(n), selected: n === st.pageSize }, t("perPage").replace("{n}", String(n)))));
    this.size.addEventListener("change", () => {
      const first = st.offset;
      st.pageSize = Number(this.size.value);
      st.offset = Math.floor(first / st.pageSize) * st.pageSize; // the first row shown stays on screen
      changed();
    });
    this.el = h("nav", { class: "pager", testid: `${prefix}-pager`, "aria-label": t("pagerLabel") },
      this.pages, h("label", { class: "page-size" }, t("pageSize"), this.size));
  }

  /** clamp moves the offset to the last page when a filter left fewer rows; it reports whether
   *  it moved (the caller loads again). */
  clamp(total: number): boolean {
    const last = Math.max(0, Math.floor((total - 1) / this.st.pageSize) * this.st.pageSize);
    if (this.st.offset > last || this.st.offset % this.st.pageSize !== 0) {
      this.st.offset = Math.min(last, Math.floor(this.st.offset / this.st.pageSize) * this.st.pageSize);
      return true;
    }
    return false;
  }

  /** update draws the pager for total rows of which shown are on this page. */
  update(total: number, shown: number): void {
    const st = this.st;
    this.count.textContent = total === 0 ? t("countNone")
      : t("countOf").replace("{n}", String(total)).replace("{from}", String(st.offset + 1))
        .replace("{to}", String(st.offset + shown));
    const pages = Math.max(1, Math.ceil(total / st.pageSize));
    const cur = Math.floor(st.offset / st.pageSize);
    const go = (p: number) => () => {
      st.offset = Math.max(0, Math.min(pages - 1, p)) * st.pageSize;
      this.changed();
    };
    const btn = (label: string, p: number, testid: string, aria: string, disabled: boolean) =>
      h("button", { type: "button", class: "secondary small", testid: `${this.prefix}-${testid}`, "aria-label": aria,
        title: aria, disabled, on: { click: go(p) } }, label);
    const nums: HTMLElement[] = [];
    for (const p of pageWindow(cur, pages)) {
      if (p < 0) { nums.push(h("span", { class: "gap", "aria-hidden": "true" }, "…")); continue; }
      nums.push(h("button", { type: "button", class: "small page" + (p === cur ? " current" : " secondary"),
        testid: `${this.prefix}-page-${p + 1}`, "aria-current": p === cur ? "page" : null,
        "aria-label": t("pageN").replace("{n}", String(p + 1)), on: { click: go(p) } }, String(p + 1)));
    }
    mount(this.pages,
      btn("«", 0, "first", t("firstPage"), cur === 0),
      btn("‹", cur - 1, "prev", t("prevPage"), cur === 0),
      nums,
      btn("›", cur + 1, "next", t("nextPage"), cur >= pages - 1),
      btn("»", pages - 1, "last", t("lastPage"), cur >= pages - 1));
    this.el.classList.toggle("single", pages <= 1);
    this.size.value = String(st.pageSize);
  }
}

/** pageWindow lists the page indexes to offer around cur: the first, the last, two either side
 *  of cur, and -1 for a gap. */
export function pageWindow(cur: number, pages: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < pages; p++) {
    if (p === 0 || p === pages - 1 || Math.abs(p - cur) <= 2) out.push(p);
    else if (out[out.length - 1] !== -1) out.push(-1);
  }
  return out;
}

const collator = new Intl.Collator("ja", { numeric: true, sensitivity: "base" });

/** SortKeys gives, per column key, the value a row sorts by: a number, an ISO date, or a text
 *  (for a name, its reading — the collator puts hiragana and katakana together). */
export type SortKeys<T> = Record<string, (row: T) => string | number>;

/** sortRows returns rows in st's order (a copy); empty values stay last either way, and ties
 *  keep the list's own order. */
export function sortRows<T>(rows: T[], st: ListState, keys: SortKeys<T>): T[] {
  const get = keys[st.sort];
  if (!get) return rows.slice();
  const dir = st.desc ? -1 : 1;
  return rows.map((r, i) => ({ r, i, v: get(r) })).sort((a, b) => {
    const ea = a.v === "", eb = b.v === "";
    if (ea !== eb) return ea ? 1 : -1;
    let c = 0;
    if (typeof a.v === "number" && typeof b.v === "number") c = a.v - b.v;
    else c = collator.compare(String(a.v), String(b.v));
    return c !== 0 ? c * dir : a.i - b.i;
  }).map((x) => x.r);
}

/** pageRows is the page of rows st points at, after moving st to the last page if the rows
 *  no longer reach it. */
export function pageRows<T>(rows: T[], st: ListState): T[] {
  const last = Math.max(0, Math.floor((rows.length - 1) / st.pageSize) * st.pageSize);
  st.offset = Math.min(Math.max(0, Math.floor(st.offset / st.pageSize) * st.pageSize), last);
  return rows.slice(st.offset, st.offset + st.pageSize);
}

/** readingKey is the text a person or company sorts by in a name column: the reading, else the
 *  name. */
export function readingKey(name: string, kana: string | undefined): string {
  return (kana || "").trim() || name;
}

/** KeysetState is where a user is in a list that Go pages by a cursor (2-1's history: the
 *  audit log is read newest first from an entry id, so a deep page costs what the first does,
 *  see app/audit). cursors[i] opens page i (0 = the newest); starts[i] counts the rows before
 *  it. Only pages already reached, and the next one, can be opened by number. */
export interface KeysetState {
  pageSize: number;
  page: number;
  cursors: number[];
  starts: number[];
}

export function keysetState(pageSize = 50): KeysetState {
  return { pageSize, page: 0, cursors: [0], starts: [0] };
}

/** KeysetPager is the Pager of a cursor-paged list: first, previous, the pages reached, next,
 *  the page size and the count. */
export class KeysetPager {
  readonly el: HTMLElement;
  readonly count: HTMLElement;
  private readonly pages: HTMLElement;
  private readonly size: HTMLSelectElement;

  constructor(private readonly prefix: string, private readonly st: KeysetState, private readonly changed: () => void) {
    this.count = h("span", { class: "total", testid: `${prefix}-count`, "aria-live": "polite" });
    this.pages = h("span", { class: "pages", testid: `${prefix}-pages` });
    this.size = h("select", { testid: `${prefix}-page-size`, "aria-label": t("pageSize") },
      pageSizes.map((n) => h("option", { value: String(n), selected: n === st.pageSize }, t("perPage").replace("{n}", String(n)))));
    this.size.addEventListener("change", () => {
      Object.assign(st, keysetState(Number(this.size.value)));
      changed();
    });
    this.el = h("nav", { class: "pager", testid: `${prefix}-pager`, "aria-label": t("pagerLabel") },
      this.pages, h("label", { class: "page-size" }, t("pageSize"), this.size));
  }

  /** loaded records a page: shown rows arrived, next is the cursor of the following page (0 at
   *  the end); then it draws. */
  loaded(total: number, shown: number, next: number): void {
    const st = this.st;
    if (st.cursors[st.page + 1] !== next || st.starts[st.page + 1] !== st.starts[st.page] + shown) {
      // The pages after this one are known no longer (the log grew, or this is new ground).
      st.cursors.length = st.page + 1;
      st.starts.length = st.page + 1;
      if (next) {
        st.cursors.push(next);
        st.starts.push(st.starts[st.page] + shown);
      }
    }
    const from = st.starts[st.page];
    this.count.textContent = total === 0 ? t("countNone")
      : t("countOf").replace("{n}", String(total)).replace("{from}", String(from + 1)).replace("{to}", String(from + shown));
    const go = (p: number) => () => {
      st.page = p;
      this.changed();
    };
    const btn = (label: string, p: number, testid: string, aria: string, disabled: boolean) =>
      h("button", { type: "button", class: "secondary small", testid: `${this.prefix}-${testid}`, "aria-label": aria,
        title: aria, disabled, on: { click: go(p) } }, label);
    const reach = st.cursors.length; // pages that can be opened
    const nums = pageWindow(st.page, reach).map((p) => p < 0
      ? h("span", { class: "gap", "aria-hidden": "true" }, "…")
      : h("button", { type: "button", class: "small page" + (p === st.page ? " current" : " secondary"),
        testid: `${this.prefix}-page-${p + 1}`, "aria-current": p === st.page ? "page" : null,
        "aria-label": t("pageN").replace("{n}", String(p + 1)), on: { click: go(p) } }, String(p + 1)));
    mount(this.pages,
      btn("«", 0, "first", t("firstPage"), st.page === 0),
      btn("‹", st.page - 1, "prev", t("prevPage"), st.page === 0),
      nums,
      btn("›", st.page + 1, "next", t("nextPage"), !next));
    this.el.classList.toggle("single", reach <= 1);
    this.size.value = String(st.pageSize);
  }
}
