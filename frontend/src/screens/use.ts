// 3-1 法人・個人マイナンバー照会: one client company at a time — its 法人番号 (public, shown on
// request), its people with their numbers masked, revealing one for a purpose notified to that
// person (useReveal.ts), the My Number download (useDownload.ts) and the download formats
// (useFormats.ts). Go decides who may do any of it (the company's 事務取扱責任者 / 担当者 only);
// a refusal is shown as Go words it.

import { showDate } from "../format";
import { h, mount } from "../h";
import { companyPicker } from "../ui/companyPicker";
import { Companies } from "../api";
import { Use } from "../api_use";
import { errText, getLang, pick, t } from "../i18n";
import type { App } from "../app";
import type { CollectLabel, Company, MenuItem, UsePerson } from "../contract.gen";
import { busy } from "../ui/form";
import { loading, screenHead, terminalNote } from "../ui/layout";
import { Pager, listState, sortHead } from "../ui/listView";
import { numberCell } from "./employeeEdit";
import { openReveal } from "./useReveal";
import { downloadPanel } from "./useDownload";
import { renderFormats } from "./useFormats";

export type UseTab = "people" | "formats";

/** UseCtx is one open company: the tabs draw into body. */
export interface UseCtx {
  app: App;
  company: Company;
  body: HTMLElement;
  /** purposes is the catalogue of 利用目的 (labels for codes). */
  purposes: CollectLabel[];
  /** selected holds the ids of the people checked for a download (ids only, no personal data). */
  selected: Set<number>;
  /** names maps the ids of the people listed so far to their names (for the skipped list). */
  names: Map<number, string>;
  show(tab: UseTab): void;
}

// Where the user was survives moving between screens and revealing, but not a change of user:
// the company, the tab, the filter, the sort and page and the checked ids, in memory only (a
// search may be a name) and never a number.
const view = {
  owner: 0,
  company: 0,
  tab: "people" as UseTab,
  search: "",
  kind: "",
  status: "active",
  withNumber: false,
  list: listState(),
  selected: new Set<number>(),
};

function resetFilter(): void {
  view.search = "";
  view.kind = "";
  view.status = "active";
  view.withNumber = false;
  view.list = listState(view.list.pageSize);
  view.selected = new Set<number>();
}

export function renderUse(app: App, item: MenuItem | undefined, content: HTMLElement): void {
  const me = app.state?.user?.id ?? 0;
  if (view.owner !== me) {
    view.owner = me;
    view.company = 0;
    view.tab = "people";
    resetFilter();
  }
  const head = screenHead(item, t("useTitle"));
  mount(content, head, loading());
  Companies.List(false).then(
    (cs) => {
      const companies = cs ?? [];
      if (!companies.some((c) => c.id === view.company)) {
        view.company = companies.length === 1 ? companies[0].id : 0;
        resetFilter();
      }
      const picker = companyPicker(companies, {
        prefix: "use", selected: view.company,
        onChange: (id) => {
          view.company = id;
          view.tab = "people";
          resetFilter();
        },
        open: (c, area) => openCompany(app, c, area),
      });
      const r = app.state?.terminalRights;
      const note = terminalNote("use-terminal-limited", [
        ...(r && !r.reveal ? [t("useTerminalNoReveal")] : []),
        ...(r && !r.download ? [t("useTerminalNoDownload")] : []),
      ]);
      mount(content, head, note, picker.toolbar, picker.area);
      picker.start();
    },
    (e) => mount(content, head, h("div", { class: "banner error", role: "alert" }, errText(e))),
  );
}

function openCompany(app: App, company: Company, area: HTMLElement): void {
  mount(area, loading());
  const body = h("div", { class: "tab-body", testid: "use-tab-body" });
  const tabs = h("div", { class: "tabs", role: "tablist", testid: "use-tabs" });
  const ctx: UseCtx = {
    app, company, body, purposes: [], selected: view.selected, names: new Map(),
    show: (tab) => {
      view.tab = tab;
      drawTabs();
      drawTab(ctx);
    },
  };
  const tabButton = (tab: UseTab, label: string) =>
    h("button", { type: "button", role: "tab", class: "tab" + (view.tab === tab ? " current" : ""),
      "aria-selected": view.tab === tab ? "true" : "false", testid: `use-tab-${tab}`, on: { click: () => ctx.show(tab) } }, label);
  const drawTabs = () => mount(tabs, tabButton("people", t("useTabPeople")), tabButton("formats", t("useTabFormats")));
  Use.AllPurposes().then(
    (ps) => {
      ctx.purposes = ps ?? [];
      drawTabs();
      mount(area, companyLine(company), tabs, body);
      drawTab(ctx);
    },
    (e) => mount(area, h("div", { class: "banner error", role: "alert", testid: "use-refused" }, errText(e))),
  );
}

/** companyLine shows the company and its 法人番号 behind a 表示 button (public, but the view is
 *  recorded by Go). */
function companyLine(company: Company): HTMLElement {
  const slot = h("span", { class: "mono", testid: "use-corp-number" }, "*************");
  const err = h("span", { class: "field-error hidden", role: "alert", testid: "use-corp-error" });
  const show = h("button", { class: "small secondary", type: "button", testid: "use-corp-show" }, t("show"));
  show.addEventListener("click", () => void busy(show, async () => {
    err.classList.add("hidden");
    try {
      const v = await Use.CorporateNumber(company.id);
      slot.textContent = v.number ? v.formatted : t("useCorpNone");
      show.remove();
    } catch (e) {
      err.textContent = errText(e);
      err.classList.remove("hidden");
    }
  }));
  return h("div", { class: "company-line", testid: "use-company-line" },
    h("span", { class: "mono muted" }, company.code), h("strong", null, company.name),
    h("span", { class: "muted" }, t("useCorpLabel"), "：", slot), show, err,
    h("span", { class: "hint" }, t("useCorpPublic")));
}

function drawTab(ctx: UseCtx): void {
  if (view.tab === "formats") renderFormats(ctx);
  else renderPeople(ctx);
}

/** purposeText is the label of a purpose code in the current language. */
export function purposeText(ctx: UseCtx, code: string): string {
  const p = ctx.purposes.find((x) => x.code === code);
  return p ? pick(p.ja, p.en) : code;
}

function renderPeople(ctx: UseCtx): void {
  const companyId = ctx.company.id;
  const search = h("input", { type: "search", value: view.search, testid: "use-search", placeholder: t("useSearchHint"),
    autocomplete: "off" });
  const kind = h("select", { testid: "use-kind" },
    h("option", { value: "", selected: view.kind === "" }, t("useKindAll")),
    h("option", { value: "employee", selected: view.kind === "employee" }, t("useKindEmployee")),
    h("option", { value: "dependent", selected: view.kind === "dependent" }, t("useKindDependent")));
  const status = h("select", { testid: "use-status" },
    h("option", { value: "active", selected: view.status === "active" }, t("statusActive")),
    h("option", { value: "left", selected: view.status === "left" }, t("statusLeft")),
    h("option", { value: "", selected: view.status === "" }, t("statusAll")));
  const withNumber = h("input", { type: "checkbox", checked: view.withNumber, testid: "use-with-number" });
  const find = h("button", { class: "primary", type: "submit", testid: "use-find" }, t("search"));
  const banner = h("div", { class: "banner error hidden", role: "alert", testid: "use-list-error" });
  const st = view.list;
  const tbody = h("tbody", { testid: "use-rows" });
  const table = h("table", { class: "grid use-grid", testid: "use-table" });
  const all = h("input", { type: "checkbox", testid: "use-check-page", title: t("useSelectPage"), "aria-label": t("useSelectPage") });
  const pager = new Pager("use", st, () => void load());
  pager.count.setAttribute("data-testid", "use-total");
  const head = () => sortHead("use", [
    { label: t("useSelectPage"), node: all, class: "check" }, { label: t("employeeCode"), key: "code" },
    { label: t("displayName"), key: "name" }, { label: t("relation") }, { label: t("birthDate") },
    { label: t("department"), key: "department" }, { label: t("myNumber") }, { label: t("useNotified") },
    { label: t("operations") }], st, () => void load());
  const dl = downloadPanel(ctx);
  let boxes: HTMLInputElement[] = [];

  const syncAll = () => {
    all.checked = boxes.length > 0 && boxes.every((b) => b.checked);
    dl.selectionChanged();
  };
  all.addEventListener("change", () => {
    for (const b of boxes) {
      b.checked = all.checked;
      b.dispatchEvent(new Event("change"));
    }
  });

  const load = async () => {
    banner.classList.add("hidden");
    try {
      const page = await Use.People({ companyId, search: view.search, departmentId: 0, kind: view.kind, status: view.status,
        withNumber: view.withNumber, offset: st.offset, limit: st.pageSize, sort: st.sort, desc: st.desc });
      const list = page.people ?? [];
      if (pager.clamp(page.total) && page.total > 0) return load(); // a filter left fewer pages
      table.replaceChildren(head(), tbody);
      boxes = [];
      tbody.replaceChildren(...list.map((p) => {
        ctx.names.set(p.id, p.name);
        const r = row(ctx, p, syncAll);
        boxes.push(r.box);
        return r.tr;
      }));
      if (!list.length) tbody.appendChild(h("tr", null, h("td", { colspan: "9", class: "empty" }, t("useNoPeople"))));
      pager.update(page.total, list.length);
      syncAll();
    } catch (e) {
      banner.textContent = errText(e);
      banner.classList.remove("hidden");
    }
  };
  const filters = h("form", { class: "filters", testid: "use-filters", on: { submit: (ev: Event) => {
    ev.preventDefault();
    view.search = search.value.trim();
    view.kind = kind.value;
    view.status = status.value;
    view.withNumber = withNumber.checked;
    st.offset = 0;
    void busy(find, load);
  } } },
    h("label", null, t("search"), search),
    h("label", null, t("useKind"), kind),
    h("label", null, t("employmentStatus"), status),
    h("label", { class: "check" }, withNumber, t("useWithNumber")),
    find);
  table.replaceChildren(head(), tbody);
  mount(ctx.body,
    h("div", { class: "toolbar" }, pager.count),
    filters, banner, table, pager.el,
    dl.el);
  void load();
}

function row(ctx: UseCtx, p: UsePerson, changed: () => void): { tr: HTMLElement; box: HTMLInputElement } {
  const dependent = p.kind === "dependent";
  const box = h("input", { type: "checkbox", testid: `use-check-${p.id}`, checked: ctx.selected.has(p.id),
    "aria-label": t("useSelectRow").replace("{name}", p.name) });
  box.addEventListener("change", () => {
    if (box.checked) ctx.selected.add(p.id);
    else ctx.selected.delete(p.id);
    changed();
  });
  const masked = () => numberCell(`use-masked-${p.id}`, p.hasNumber, p.maskedNumber);
  const cell = h("td", { class: "nowrap number-slot", testid: `use-number-${p.id}` }, masked());
  const reveal = h("button", { class: "small primary", type: "button", testid: `use-reveal-${p.id}`, disabled: !p.hasNumber,
    on: { click: () => openReveal(ctx, p, cell, masked) } }, t("useReveal"));
  const purposes = p.purposes ?? [];
  const tr = h("tr", { testid: `use-row-${p.id}`, class: (dependent ? "dependent" : "") + (p.leftOn ? " muted" : "") },
    h("td", { class: "check" }, box),
    h("td", { class: "mono" }, dependent ? "" : p.employeeCode),
    h("td", { class: "name" }, h("div", null, dependent ? "└ " : "", p.name), p.nameKana ? h("div", { class: "kana" }, p.nameKana) : null),
    h("td", null, dependent ? (getLang() === "en" ? p.relation : p.relationJa || p.relation) : t("useSelf")),
    h("td", { class: "nowrap" }, showDate(p.birthDate)),
    h("td", null, p.department || "—"),
    cell,
    purposesCell(ctx, p.id, purposes),
    h("td", null, reveal));
  return { tr, box };
}

/** purposesCell keeps a row one line high: the purposes on one line, cut with … when long, all
 *  of them in the tooltip (and to screen readers). */
function purposesCell(ctx: UseCtx, id: number, codes: string[]): HTMLElement {
  if (!codes.length) return h("td", { class: "purposes compact", testid: `use-purposes-${id}` }, h("span", { class: "muted" }, t("useNoneNotified")));
  const labels = codes.map((c) => purposeText(ctx, c));
  const all = labels.join("\n");
  return h("td", { class: "purposes compact", testid: `use-purposes-${id}`, title: all, "aria-label": labels.join("、") },
    h("div", { class: "one-line" },
      h("span", { class: "tag info", "data-code": codes[0] }, labels[0]),
      codes.length > 1 ? h("span", { class: "more", testid: `use-purposes-more-${id}` }, t("useMorePurposes").replace("{n}", String(codes.length - 1))) : null));
}
