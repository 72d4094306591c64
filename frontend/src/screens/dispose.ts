// 4-1 廃棄処理 / 廃棄証明書: one client company at a time — the employees who have left with
// their due dates (廃棄対象), proposing a disposal, the 責任者's approval (承認待ち), carrying it
// out (実行), the 廃棄記録 with the certificate, and the 特定個人情報ファイル管理台帳
// (disposeFlow.ts). Go decides every rule and every role (the proposer can never approve, a
// reason is required before the due date, the register is for the 責任者); a refusal is shown
// as Go words it. Nothing here ever holds a number: Go returns none from 4-1.

import { showDate } from "../format";
import { h, mount } from "../h";
import { companyPicker } from "../ui/companyPicker";
import { Companies } from "../api";
import { Dispose } from "../api_dispose";
import { errText, pick, t } from "../i18n";
import type { App } from "../app";
import type { Company, DisposalDue, MenuItem } from "../contract.gen";
import { Form, busy } from "../ui/form";
import { loading, screenHead, terminalNote } from "../ui/layout";
import { Pager, listState, pageRows, readingKey, sortHead, sortRows, type SortKeys } from "../ui/listView";
import { renderExecute, renderPending, renderRecords, renderRegister } from "./disposeFlow";
import { refused, takeNotice, type DispCtx, type DispTab } from "./disposeShared";

// Where the user was survives moving between screens, but not a change of user. It holds no
// personal data: the company, the tab and the due list's sort and page (in memory only).
const view = { owner: 0, company: 0, tab: "due" as DispTab, due: listState() };

// The due list arrives whole from Go; it sorts and pages here.
const dueKeys: SortKeys<DisposalDue> = {
  code: (d) => d.employeeCode,
  name: (d) => readingKey(d.name, d.nameKana),
  leftOn: (d) => d.leftOn,
  due: (d) => d.due,
  status: (d) => (d.pendingDisposalId > 0 ? 0 : d.overdue ? 1 : d.ready ? 2 : 3),
};

export function renderDispose(app: App, item: MenuItem | undefined, content: HTMLElement): void {
  const me = app.state?.user?.id ?? 0;
  if (view.owner !== me) {
    view.owner = me;
    view.company = 0;
    view.tab = "due";
    view.due = listState();
  }
  const head = screenHead(item, t("dispTitle"));
  mount(content, head, loading());
  Companies.List(false).then(
    (cs) => {
      const companies = cs ?? [];
      if (!companies.some((c) => c.id === view.company)) view.company = companies.length === 1 ? companies[0].id : 0;
      const picker = companyPicker(companies, {
        prefix: "disp", selected: view.company,
        onChange: (id) => {
          view.company = id;
          view.tab = "due";
          view.due = listState(view.due.pageSize);
        },
        open: (c, area) => openCompany(app, c, me, area),
      });
      const r = app.state?.terminalRights;
      const note = terminalNote("disp-terminal-limited", r && !r.dispose ? [t("dispTerminalNoExecute")] : []);
      mount(content, head, note, picker.toolbar, picker.area);
      picker.start();
    },
    (e) => mount(content, head, h("div", { class: "banner error", role: "alert" }, errText(e))),
  );
}

function openCompany(app: App, company: Company, me: number, area: HTMLElement): void {
  const body = h("div", { class: "tab-body", testid: "disp-tab-body" });
  const tabs = h("div", { class: "tabs", role: "tablist", testid: "disp-tabs" });
  const ctx: DispCtx = {
    app, company, body, me, notice: null,
    show: (tab) => {
      view.tab = tab;
      drawTabs();
      drawTab(ctx);
    },
  };
  const tabButton = (tab: DispTab, label: string) =>
    h("button", { type: "button", role: "tab", class: "tab" + (view.tab === tab ? " current" : ""),
      "aria-selected": view.tab === tab ? "true" : "false", testid: `disp-tab-${tab}`, on: { click: () => ctx.show(tab) } }, label);
  const drawTabs = () => mount(tabs,
    tabButton("due", t("dispTabDue")), tabButton("pending", t("dispTabPending")), tabButton("execute", t("dispTabExecute")),
    tabButton("records", t("dispTabRecords")), tabButton("register", t("dispTabRegister")));
  drawTabs();
  mount(area,
    h("div", { class: "company-line", testid: "disp-company-line" },
      h("span", { class: "mono muted" }, company.code), h("strong", null, company.name)),
    tabs, body);
  drawTab(ctx);
}

function drawTab(ctx: DispCtx): void {
  mount(ctx.body, loading());
  if (view.tab === "pending") renderPending(ctx);
  else if (view.tab === "execute") renderExecute(ctx);
  else if (view.tab === "records") renderRecords(ctx);
  else if (view.tab === "register") renderRegister(ctx);
  else renderDue(ctx);
}

/** renderDue draws the due list with its checkboxes and the proposal form under it. */
function renderDue(ctx: DispCtx): void {
  const notice = takeNotice(ctx);
  Dispose.DueList(ctx.company.id).then(
    (list) => drawDue(ctx, list ?? [], notice),
    (e) => mount(ctx.body, refused(e)),
  );
}

function drawDue(ctx: DispCtx, list: DisposalDue[], notice: HTMLElement | null): void {
  const selected = new Set<number>(); // person ids only
  const count = h("span", { class: "total", testid: "disp-selected-count" });
  const syncCount = () => { count.textContent = t("dispSelected").replace("{n}", String(selected.size)); };
  const st = view.due;
  const row = (d: DisposalDue) => {
    const box = h("input", { type: "checkbox", testid: `disp-check-${d.employeeCode}`, disabled: d.pendingDisposalId > 0,
      checked: selected.has(d.personId),
      "aria-label": t("dispSelectRow").replace("{name}", d.name),
      on: { change: () => {
        if (box.checked) selected.add(d.personId);
        else selected.delete(d.personId);
        syncCount();
      } } });
    const state = d.pendingDisposalId > 0
      ? h("span", { class: "tag info", testid: `disp-state-${d.employeeCode}` }, t("dispInProcess").replace("{id}", String(d.pendingDisposalId)))
      : d.overdue
        ? h("span", { class: "tag danger", testid: `disp-overdue-${d.employeeCode}` }, t("dispOverdue"))
        : d.ready
          ? h("span", { class: "tag warn", testid: `disp-ready-${d.employeeCode}` }, t("dispReady"))
          : h("span", { class: "tag muted", testid: `disp-retained-${d.employeeCode}` }, t("dispRetained"));
    return h("tr", { testid: `disp-due-${d.employeeCode}`, class: d.ready ? "attention" : "" },
      h("td", { class: "check" }, box),
      h("td", { class: "mono" }, d.employeeCode),
      h("td", { class: "nowrap" }, d.name,
        d.dependents ? h("div", { class: "hint" }, t("dependents"), " ", t("peopleCount").replace("{n}", String(d.dependents))) : null),
      h("td", { class: "nowrap" }, showDate(d.leftOn)),
      h("td", { class: "nowrap", testid: `disp-due-date-${d.employeeCode}` },
        d.due ? h("div", null, showDate(d.due)) : "—",
        d.deadline ? h("div", { class: "hint" }, t("dispDeadline").replace("{date}", showDate(d.deadline))) : null),
      h("td", { class: "disp-docs" }, (d.documents ?? []).map((x) => h("div", null, pick(x.labelJa, x.labelEn)))),
      h("td", { testid: `disp-reason-${d.employeeCode}` }, pick(d.reasonJa, d.reasonEn),
        d.assumedPurposes ? h("div", { class: "hint" }, t("dispAssumed")) : null),
      h("td", { class: "nowrap" }, state));
  };
  const tbody = h("tbody", { testid: "disp-due-rows" });
  const table = h("table", { class: "grid disp-grid", testid: "disp-due-table" });
  const draw = () => {
    const page = pageRows(sortRows(list, st, dueKeys), st);
    table.replaceChildren(sortHead("disp", [
      { label: "", class: "check" }, { label: t("employeeCode"), key: "code" }, { label: t("displayName"), key: "name" },
      { label: t("leftOn"), key: "leftOn" }, { label: t("dispDue"), key: "due" }, { label: t("dispDocuments") },
      { label: t("dispReason") }, { label: t("status"), key: "status" }], st, draw), tbody);
    tbody.replaceChildren(...(page.length ? page.map(row)
      : [h("tr", null, h("td", { colspan: "8", class: "empty", testid: "disp-no-due" }, t("dispNoDue")))]));
    pager.update(list.length, page.length);
  };
  const pager = new Pager("disp", st, draw);
  draw();
  syncCount();
  mount(ctx.body, notice, h("p", { class: "hint" }, t("dispDueLead")), h("div", { class: "toolbar" }, count, pager.count), table,
    list.length ? pager.el : null, list.length ? proposeForm(ctx, selected) : null);
}

/** proposeForm proposes a disposal of the people checked in the list. */
function proposeForm(ctx: DispCtx, selected: Set<number>): HTMLElement {
  const form = new Form("disp-propose");
  form.alias("personIds", "people");
  const shred = h("input", { type: "radio", name: "disp-method", value: "shred", checked: true, testid: "disp-method-shred" });
  const mask = h("input", { type: "radio", name: "disp-method", value: "mask_number", testid: "disp-method-mask" });
  const reason = h("textarea", { rows: "2", maxlength: "200", autocomplete: "off" });
  const keepDeps = h("input", { type: "checkbox", testid: "disp-keep-deps" });
  const submit = h("button", { class: "primary", type: "submit", testid: "disp-propose-submit" }, t("dispProposeSubmit"));
  const el = h("form", { class: "panel wide-panel disp-propose", testid: "disp-propose-form", autocomplete: "off", on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    if (!selected.size) {
      form.message(t("dispNoneSelected"));
      return;
    }
    void busy(submit, async () => {
      try {
        const d = await Dispose.Propose({ companyId: ctx.company.id, personIds: [...selected], method: mask.checked ? "mask_number" : "shred",
          reason: reason.value.trim(), keepDependents: keepDeps.checked });
        reason.value = "";
        ctx.notice = h("div", { class: "banner success", role: "status", testid: "disp-proposed" },
          t("dispProposed").replace("{id}", String(d.id)));
        ctx.show("due");
      } catch (e) {
        form.show(e);
      }
    });
  } } },
    h("h2", null, t("dispProposeTitle")),
    h("p", { class: "hint" }, t("dispProposeLead")),
    form.banner,
    form.field("method", t("dispMethod"), h("div", { class: "choices", testid: "disp-methods" },
      h("label", { class: "check" }, shred, t("dispMethodShred")),
      h("label", { class: "check" }, mask, t("dispMethodMask"))), { required: true }),
    form.field("reason", t("dispReasonLabel"), reason, { hint: t("dispReasonHint") }),
    form.field("people", t("dependents"), h("label", { class: "check" }, keepDeps, t("dispKeepDeps"))),
    h("div", { class: "actions" }, submit));
  return el;
}
