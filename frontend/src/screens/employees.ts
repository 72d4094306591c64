// 1-2 法人マイナンバー・従業員設定: one client company at a time — its departments, its employees
// (with dependents and My Numbers, which only ever arrive masked) and the CSV bulk import. Go
// decides who may see any of it (the company's 事務取扱責任者 / 担当者 only, not the
// administrator alone); a refusal is shown as Go words it.

import { showDate } from "../format";
import { h, mount } from "../h";
import { companyPicker } from "../ui/companyPicker";
import { Companies, Employees } from "../api";
import { errText, t } from "../i18n";
import type { App } from "../app";
import type { Company, Department, Employee, MenuItem } from "../contract.gen";
import { busy } from "../ui/form";
import { loading, screenHead } from "../ui/layout";
import { Pager, listState, sortHead } from "../ui/listView";
import { renderDepartments, departmentOptions } from "./departments";
import { editEmployee, numberCell } from "./employeeEdit";
import { renderImport } from "./importWizard";

export type Tab = "employees" | "departments" | "import";

/** Ctx is one open company: the tabs draw into body and share the department tree. */
export interface Ctx {
  app: App;
  company: Company;
  depts: Department[];
  body: HTMLElement;
  /** show switches to a tab (the department tree is read again first). */
  show(tab: Tab): void;
  /** reloadDepts reads the department tree again. */
  reloadDepts(): Promise<void>;
}

// Where the user was survives moving between screens and opening an employee, but not a change
// of user: the company, the tab, the filter, the sort and the page, in memory only (the search
// may be a name, so it never goes to localStorage).
const view = {
  owner: 0,
  company: 0,
  tab: "employees" as Tab,
  search: "",
  departmentId: 0,
  status: "active",
  list: listState(),
};

function resetFilter(): void {
  view.search = "";
  view.departmentId = 0;
  view.status = "active";
  view.list = listState(view.list.pageSize);
}

export function renderEmployees(app: App, item: MenuItem | undefined, content: HTMLElement): void {
  const me = app.state?.user?.id ?? 0;
  if (view.owner !== me) {
    view.owner = me;
    view.company = 0;
    view.tab = "employees";
    resetFilter();
  }
  const head = screenHead(item, t("employeesTitle"));
  mount(content, head, loading());
  Companies.List(false).then(
    (cs) => {
      const companies = cs ?? [];
      if (!companies.some((c) => c.id === view.company)) {
        view.company = companies.length === 1 ? companies[0].id : 0;
        resetFilter();
      }
      const picker = companyPicker(companies, {
        prefix: "emp", selected: view.company,
        onChange: (id) => {
          view.company = id;
          view.tab = "employees";
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

/** openCompany reads the department tree (the first call Go may refuse) and draws the tabs. */
function openCompany(app: App, company: Company, area: HTMLElement): void {
  mount(area, loading());
  const body = h("div", { class: "tab-body", testid: "emp-tab-body" });
  const tabs = h("div", { class: "tabs", role: "tablist", testid: "emp-tabs" });
  const ctx: Ctx = {
    app, company, depts: [], body,
    show: (tab) => {
      view.tab = tab;
      drawTabs();
      mount(body, loading());
      ctx.reloadDepts().then(() => drawTab(ctx), (e) => mount(body, refusal(e)));
    },
    reloadDepts: async () => {
      ctx.depts = (await Employees.Departments(company.id)) ?? [];
    },
  };
  const tabButton = (tab: Tab, label: string) =>
    h("button", { type: "button", role: "tab", class: "tab" + (view.tab === tab ? " current" : ""),
      "aria-selected": view.tab === tab ? "true" : "false", testid: `emp-tab-${tab}`, on: { click: () => ctx.show(tab) } }, label);
  const drawTabs = () => mount(tabs,
    tabButton("employees", t("tabEmployees")), tabButton("departments", t("tabDepartments")), tabButton("import", t("tabImport")));
  ctx.reloadDepts().then(
    () => {
      drawTabs();
      mount(area,
        h("div", { class: "company-line", testid: "emp-company-line" },
          h("span", { class: "mono muted" }, company.code), h("strong", null, company.name),
          h("span", { class: "muted" }, t("corporateNumber"), "：",
            h("span", { class: "mono", testid: "emp-corporate-number" }, company.corporateNumber || t("notSet"))),
          h("span", { class: "hint" }, t("corporateNumberWhere"))),
        tabs, body);
      drawTab(ctx);
    },
    (e) => mount(area, refusal(e)),
  );
}

/** refusal shows why Go will not open the company (typically: not assigned to it). */
function refusal(e: unknown): HTMLElement {
  return h("div", { class: "banner error", role: "alert", testid: "emp-refused" }, errText(e));
}

function drawTab(ctx: Ctx): void {
  if (view.tab === "departments") renderDepartments(ctx);
  else if (view.tab === "import") renderImport(ctx);
  else renderList(ctx);
}

/** renderList draws the employees list: search, department and status filters, sortable
 *  columns and pages (Go searches, sorts and pages). */
export function renderList(ctx: Ctx): void {
  const companyId = ctx.company.id;
  const back = () => ctx.show("employees");
  const st = view.list;
  const search = h("input", { type: "search", value: view.search, testid: "emp-search", placeholder: t("employeeSearchHint"),
    autocomplete: "off" });
  const dept = h("select", { testid: "emp-dept-filter" },
    h("option", { value: "0" }, t("allDepartments")), departmentOptions(ctx.depts, view.departmentId));
  const status = h("select", { testid: "emp-status" },
    h("option", { value: "active", selected: view.status === "active" }, t("statusActive")),
    h("option", { value: "left", selected: view.status === "left" }, t("statusLeft")),
    h("option", { value: "", selected: view.status === "" }, t("statusAll")));
  const find = h("button", { class: "primary", type: "submit", testid: "emp-find" }, t("search"));
  const banner = h("div", { class: "banner error hidden", role: "alert", testid: "emp-list-error" });
  const tbody = h("tbody", { testid: "emp-rows" });
  const table = h("table", { class: "grid", testid: "emp-table" });
  const pager = new Pager("emp", st, () => void load());
  pager.count.setAttribute("data-testid", "emp-total");
  const head = () => sortHead("emp", [
    { label: t("employeeCode"), key: "code" }, { label: t("displayName"), key: "name" },
    { label: t("department"), key: "department" }, { label: t("birthDate"), key: "birthDate" },
    { label: t("employment"), key: "hiredOn" }, { label: t("myNumber") },
    { label: t("dependentsCount"), class: "num" }, { label: t("operations") }], st, () => void load());

  const load = async () => {
    banner.classList.add("hidden");
    try {
      const page = await Employees.Employees({ companyId, search: view.search, departmentId: view.departmentId,
        status: view.status, offset: st.offset, limit: st.pageSize, sort: st.sort, desc: st.desc });
      const list = page.employees ?? [];
      if (pager.clamp(page.total) && page.total > 0) return load(); // a filter left fewer pages
      table.replaceChildren(head(), tbody);
      tbody.replaceChildren(...list.map((e) => row(e, () => editEmployee(ctx, e.id, back))));
      if (!list.length) tbody.appendChild(h("tr", null, h("td", { colspan: "8", class: "empty" }, t("noEmployees"))));
      pager.update(page.total, list.length);
    } catch (e) {
      banner.textContent = errText(e);
      banner.classList.remove("hidden");
    }
  };
  const filters = h("form", { class: "filters", testid: "emp-filters", on: { submit: (ev: Event) => {
    ev.preventDefault();
    view.search = search.value.trim();
    view.departmentId = Number(dept.value);
    view.status = status.value;
    st.offset = 0;
    void busy(find, load);
  } } },
    h("label", null, t("search"), search),
    h("label", null, t("department"), dept),
    h("label", null, t("employmentStatus"), status),
    find);
  table.replaceChildren(head(), tbody);
  mount(ctx.body,
    h("div", { class: "toolbar" },
      h("button", { class: "primary", type: "button", testid: "emp-add", on: { click: () => editEmployee(ctx, 0, back) } }, t("employeeAdd")),
      pager.count),
    filters, banner, table, pager.el);
  void load();
}

function row(e: Employee, open: () => void): HTMLElement {
  return h("tr", { testid: `emp-row-${e.code}`, class: e.leftOn ? "muted" : "" },
    h("td", { class: "mono" }, e.code),
    h("td", null, h("div", null, e.name), e.nameKana ? h("div", { class: "kana" }, e.nameKana) : null),
    h("td", null, e.departmentName || "—"),
    h("td", { class: "nowrap" }, showDate(e.birthDate)),
    h("td", { class: "nowrap" }, showDate(e.hiredOn), e.leftOn ? h("span", { class: "tag muted" }, t("leftTag"), " ", showDate(e.leftOn)) : null,
      e.warnings?.length ? h("span", { class: "tag warn", title: e.warnings.map((w) => w.message).join("\n"), testid: `emp-warn-${e.code}` }, "⚠") : null),
    h("td", { class: "nowrap" }, numberCell(`emp-number-${e.code}`, e.hasNumber, e.maskedNumber)),
    h("td", { class: "num" }, String(e.dependentCount)),
    h("td", null, h("button", { class: "small secondary", type: "button", testid: `emp-edit-${e.code}`, on: { click: open } }, t("edit"))));
}
