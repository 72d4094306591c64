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
import type { Company, MenuItem } from "../types";
import type { PurposeLabel, UsePerson } from "../types_use";
import { busy } from "../ui/form";
import { loading, screenHead } from "../ui/layout";
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
  purposes: PurposeLabel[];
  /** selected holds the ids of the people checked for a download (ids only, no personal data). */
  selected: Set<number>;
  /** names maps the ids of the people listed so far to their names (for the skipped list). */
  names: Map<number, string>;
  show(tab: UseTab): void;
}

const pageSize = 50;

// Where the user was survives moving between screens, but not a change of user. It holds no
// personal data and never a number: the company, the tab, the filter and the checked ids.
const view = {
  owner: 0,
  company: 0,
  tab: "people" as UseTab,
  search: "",
  kind: "",
  status: "active",
  withNumber: false,
  offset: 0,
  selected: new Set<number>(),
};

function resetFilter(): void {
  view.search = "";
  view.kind = "";
  view.status = "active";
  view.withNumber = false;
  view.offset = 0;
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
      mount(content, head, picker.toolbar, picker.area);
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
  const total = h("span", { class: "total", testid: "use-total" });
  const tbody = h("tbody", { testid: "use-rows" });
  const all = h("input", { type: "checkbox", testid: "use-check-page", title: t("useSelectPage"), "aria-label": t("useSelectPage") });
  const prev = h("button", { class: "secondary small", type: "button", testid: "use-prev" }, t("prevPage"));
  const next = h("button", { class: "secondary small", type: "button", testid: "use-next" }, t("nextPage"));
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
        withNumber: view.withNumber, offset: view.offset, limit: pageSize });
      const list = page.people ?? [];
      if (!list.length && view.offset > 0 && page.total > 0) {
        view.offset = Math.max(0, Math.floor((page.total - 1) / pageSize) * pageSize);
        return load();
      }
      boxes = [];
      tbody.replaceChildren(...list.map((p) => {
        ctx.names.set(p.id, p.name);
        const r = row(ctx, p, syncAll);
        boxes.push(r.box);
        return r.tr;
      }));
      if (!list.length) tbody.appendChild(h("tr", null, h("td", { colspan: "9", class: "empty" }, t("useNoPeople"))));
      total.textContent = list.length
        ? t("usePageOf").replace("{from}", String(view.offset + 1)).replace("{to}", String(view.offset + list.length))
            .replace("{n}", String(page.total))
        : t("useTotal").replace("{n}", String(page.total));
      prev.disabled = view.offset === 0;
      next.disabled = view.offset + list.length >= page.total;
      syncAll();
    } catch (e) {
      banner.textContent = errText(e);
      banner.classList.remove("hidden");
    }
  };
  prev.addEventListener("click", () => {
    view.offset = Math.max(0, view.offset - pageSize);
    void busy(prev, load);
  });
  next.addEventListener("click", () => {
    view.offset += pageSize;
    void busy(next, load);
  });
  const filters = h("form", { class: "filters", testid: "use-filters", on: { submit: (ev: Event) => {
    ev.preventDefault();
    view.search = search.value.trim();
    view.kind = kind.value;
    view.status = status.value;
    view.withNumber = withNumber.checked;
    view.offset = 0;
    void busy(find, load);
  } } },
    h("label", null, t("search"), search),
    h("label", null, t("useKind"), kind),
    h("label", null, t("employmentStatus"), status),
    h("label", { class: "check" }, withNumber, t("useWithNumber")),
    find);
  mount(ctx.body,
    h("div", { class: "toolbar" }, total),
    filters, banner,
    h("table", { class: "grid use-grid", testid: "use-table" },
      h("thead", null, h("tr", null,
        h("th", { class: "check" }, all), h("th", null, t("employeeCode")), h("th", null, t("displayName")),
        h("th", null, t("relation")), h("th", null, t("birthDate")), h("th", null, t("department")),
        h("th", null, t("myNumber")), h("th", null, t("useNotified")), h("th", null, t("operations")))),
      tbody),
    h("div", { class: "actions center pager" }, prev, next),
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
    h("td", { class: "purposes", testid: `use-purposes-${p.id}` },
      purposes.length
        ? purposes.map((c) => h("span", { class: "tag info", title: purposeText(ctx, c) }, purposeText(ctx, c)))
        : h("span", { class: "muted" }, t("useNoneNotified"))),
    h("td", null, reveal));
  return { tr, box };
}
