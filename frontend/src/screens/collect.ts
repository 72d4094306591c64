// 1-3 取得管理: one client company at a time — the status board (状況確認) with the counts per
// status as filters and the non-submitters, STEP1 (requests and notice letters, in
// collectRequest.ts), STEP2 (identity checks, collectCheck.ts), STEP3 (numbers,
// collectNumbers.ts) and the refusal record. Go decides who may do any of it (the company's
// 事務取扱責任者 / 担当者 only) and which status change is allowed; a refusal is shown as Go
// words it. Nothing here holds a My Number: the board shows none.

import { h, mount } from "../h";
import { companyPicker } from "../ui/companyPicker";
import { Companies } from "../api";
import { Collect } from "../api_collect";
import { errText, pick, t } from "../i18n";
import { dateTime } from "../format";
import type { App } from "../app";
import type { CollectBoardRow, CollectRefusal, CollectRules, Company, MenuItem } from "../contract.gen";
import { openDialog } from "../ui/dialog";
import { Form, busy } from "../ui/form";
import { loading, screenHead } from "../ui/layout";
import { Pager, listState, pageRows, readingKey, sortHead, sortRows, type SortKeys } from "../ui/listView";
import { remindDialog, renderRequest } from "./collectRequest";
import { saveFile } from "../ui/save";
import { openCheck } from "./collectCheck";
import { openNumbers } from "./collectNumbers";
import { openCardRead } from "./cardRead";
import { submittedPanel } from "./collectSubmitted";
import { openStatuses, refusal, statusTag, type ColCtx, type ColTab } from "./collectShared";

// Where the user was survives moving between screens and opening an employee's step, not a
// change of user: the company, the tab, the filter, the sort and page, and the chosen employee
// ids, in memory only (a search may be a name).
const view = {
  owner: 0,
  company: 0,
  tab: "board" as ColTab,
  status: "", // "" (everyone), a status code, or "pending" (未提出者)
  pendingDays: 0,
  search: "",
  includeLeft: false,
  list: listState(100),
  refusals: listState(),
  /** preselect: employees chosen on the board for STEP1. */
  preselect: [] as number[],
};

function resetFilter(): void {
  view.status = "";
  view.pendingDays = 0;
  view.search = "";
  view.includeLeft = false;
  view.list = listState(view.list.pageSize);
  view.refusals = listState(view.refusals.pageSize);
  view.preselect = [];
}

/** takePreselect returns the employees chosen on the board for STEP1, once. */
export function takePreselect(): number[] {
  const out = view.preselect;
  view.preselect = [];
  return out;
}

export function renderCollect(app: App, item: MenuItem | undefined, content: HTMLElement): void {
  const me = app.state?.user?.id ?? 0;
  if (view.owner !== me) {
    view.owner = me;
    view.company = 0;
    view.tab = "board";
    resetFilter();
  }
  const head = screenHead(item, t("colTitle"));
  const steps = h("p", { class: "col-steps", testid: "col-steps" }, t("colSteps"));
  mount(content, head, loading());
  Promise.all([Companies.List(false), Collect.Rules()]).then(
    ([cs, rules]) => {
      const companies = cs ?? [];
      if (!companies.some((c) => c.id === view.company)) {
        view.company = companies.length === 1 ? companies[0].id : 0;
        view.tab = "board";
        resetFilter();
      }
      const picker = companyPicker(companies, {
        prefix: "col", selected: view.company,
        onChange: (id) => {
          view.company = id;
          view.tab = "board";
          resetFilter();
        },
        open: (c, area) => openCompany(app, c, rules, area),
      });
      mount(content, head, steps, picker.toolbar, picker.area);
      picker.start();
    },
    (e) => mount(content, head, h("div", { class: "banner error", role: "alert", testid: "col-load-error" }, errText(e))),
  );
}

function openCompany(app: App, company: Company, rules: CollectRules, area: HTMLElement): void {
  const body = h("div", { class: "tab-body", testid: "col-tab-body" });
  const tabs = h("div", { class: "tabs", role: "tablist", testid: "col-tabs" });
  const ctx: ColCtx = {
    app, company, rules, body,
    show: (tab, notice) => {
      view.tab = tab;
      drawTabs();
      drawTab(ctx, notice ?? "");
    },
  };
  const tabButton = (tab: ColTab, label: string) =>
    h("button", { type: "button", role: "tab", class: "tab" + (view.tab === tab ? " current" : ""),
      "aria-selected": view.tab === tab ? "true" : "false", testid: `col-tab-${tab}`, on: { click: () => ctx.show(tab) } }, label);
  const drawTabs = () => mount(tabs,
    tabButton("board", t("colTabBoard")), tabButton("request", t("colTabRequest")), tabButton("refusals", t("colTabRefusals")));
  drawTabs();
  mount(area,
    h("div", { class: "company-line", testid: "col-company-line" },
      h("span", { class: "mono muted" }, company.code), h("strong", null, company.name)),
    tabs, body);
  drawTab(ctx, "");
}

function drawTab(ctx: ColCtx, notice: string): void {
  if (view.tab === "request") renderRequest(ctx, takePreselect(), notice);
  else if (view.tab === "refusals") renderRefusals(ctx);
  else renderBoard(ctx, notice);
}

// --- the status board

function renderBoard(ctx: ColCtx, notice: string): void {
  const companyId = ctx.company.id;
  const rules = ctx.rules;
  const selected = new Set<number>();
  let rows: CollectBoardRow[] = [];

  const note = h("div", { class: "banner success" + (notice ? "" : " hidden"), role: "status", testid: "col-notice" }, notice);
  const banner = h("div", { class: "banner error hidden", role: "alert", testid: "col-board-error" });
  const counts = h("div", { class: "counts col-counts", testid: "col-counts" });
  const search = h("input", { type: "search", value: view.search, testid: "col-search", placeholder: t("employeeSearchHint"),
    autocomplete: "off" });
  const days = h("input", { type: "number", min: "0", max: "365", value: String(view.pendingDays), class: "col-days",
    testid: "col-pending-days" });
  const left = h("input", { type: "checkbox", checked: view.includeLeft, testid: "col-include-left" });
  const find = h("button", { class: "primary", type: "submit", testid: "col-find" }, t("search"));
  const st = view.list;
  const pager = new Pager("col", st, () => void load());
  const showing = pager.count;
  showing.setAttribute("data-testid", "col-total");
  const selCount = h("span", { class: "muted", testid: "col-selected" });
  const tbody = h("tbody", { testid: "col-rows" });
  const all = h("input", { type: "checkbox", testid: "col-select-all", title: t("colSelectAllShown"), "aria-label": t("colSelectAllShown") });
  const table = h("table", { class: "grid compact", testid: "col-table" });
  const head = () => sortHead("col", [
    { label: t("colSelectAllShown"), node: all }, { label: t("employeeCode"), key: "code" },
    { label: t("employeeName"), key: "name" }, { label: t("department"), key: "department" },
    { label: t("status"), key: "status" }, { label: t("colRequest") }, { label: t("colWaiting"), key: "waiting", class: "num" },
    { label: t("colFamily") }, { label: t("operations") }], st, () => void load());
  const requestSel = h("button", { class: "primary small", type: "button", testid: "col-request-selected" }, t("colRequestSelected"));
  const remindSel = h("button", { class: "secondary small", type: "button", testid: "col-remind-selected" }, t("colRemindSelected"));

  const drawSelection = () => {
    selCount.textContent = t("colSelected").replace("{n}", String(selected.size));
    requestSel.disabled = selected.size === 0;
    remindSel.disabled = selected.size === 0;
    all.checked = rows.length > 0 && rows.every((r) => selected.has(r.employeeId));
  };
  const reload = (msg = "") => {
    note.textContent = msg;
    note.classList.toggle("hidden", !msg);
    void load();
  };
  const load = async () => {
    banner.classList.add("hidden");
    try {
      const base = { companyId, search: view.search, includeLeft: view.includeLeft, sort: st.sort, desc: st.desc };
      let total: number;
      let cs: Record<string, number>;
      if (view.status === "pending" && view.pendingDays === 0) {
        // Every non-submitter (依頼済 / 差戻し), however recent: two lists, merged, sorted and
        // paged here as Go would.
        const [a, b] = await Promise.all([
          Collect.StatusBoard({ ...base, status: "requested", pendingDays: 0, offset: 0, limit: 2000 }),
          Collect.StatusBoard({ ...base, status: "returned", pendingDays: 0, offset: 0, limit: 2000 }),
        ]);
        const merged = sortRows([...(a.rows ?? []), ...(b.rows ?? [])], { ...st, sort: st.sort || "code" }, boardKeys(rules));
        total = merged.length;
        rows = pageRows(merged, st);
        cs = a.counts ?? {};
      } else {
        const pending = view.status === "pending";
        const board = await Collect.StatusBoard({ ...base, status: pending ? "" : view.status,
          pendingDays: pending ? view.pendingDays : 0, offset: st.offset, limit: st.pageSize });
        rows = board.rows ?? [];
        total = board.total;
        cs = board.counts ?? {};
        if (pager.clamp(total) && total > 0) return load(); // a filter left fewer pages
      }
      table.replaceChildren(head(), tbody);
      drawCounts(cs);
      for (const id of [...selected]) if (!rows.some((r) => r.employeeId === id)) selected.delete(id);
      tbody.replaceChildren(...rows.map((r) => boardRow(r)));
      if (!rows.length) tbody.appendChild(h("tr", null, h("td", { colspan: "9", class: "empty" }, t("colNoRows"))));
      pager.update(total, rows.length);
      drawSelection();
    } catch (e) {
      banner.textContent = errText(e);
      banner.classList.remove("hidden");
    }
  };

  const drawCounts = (cs: Record<string, number>) => {
    const chip = (key: string, label: string, n: number | null) =>
      h("button", { type: "button", class: "count col-count" + (view.status === key ? " current" : ""), testid: `col-count-${key || "all"}`,
        "aria-pressed": view.status === key ? "true" : "false", on: { click: () => {
          view.status = key;
          st.offset = 0;
          void load();
        } } },
        h("div", { class: "count-n", testid: `col-count-${key || "all"}-n` }, n === null ? "—" : String(n)),
        h("div", { class: "count-label" }, label));
    const sum = Object.values(cs).reduce((a, b) => a + b, 0);
    mount(counts,
      chip("", t("colAll"), sum),
      (rules.statuses ?? []).map((s) => chip(s.code, pick(s.ja, s.en), cs[s.code] ?? 0)),
      chip("pending", t("colPending"), view.pendingDays === 0 ? (cs.requested ?? 0) + (cs.returned ?? 0) : null));
  };

  const boardRow = (r: CollectBoardRow): HTMLElement => {
    const box = h("input", { type: "checkbox", checked: selected.has(r.employeeId), testid: `col-select-${r.code}`,
      "aria-label": `${t("colSelect")} ${r.code}`, on: { change: () => {
        if (box.checked) selected.add(r.employeeId);
        else selected.delete(r.employeeId);
        drawSelection();
      } } });
    const act = (key: "colActCheck" | "colActNumbers" | "colActSubmitted" | "colActRemind" | "colActSendBack" | "colActRefuse",
      id: string, fn: (b: HTMLButtonElement) => void, primary = false) => {
      const b = h("button", { class: "small " + (primary ? "primary" : "secondary"), type: "button", testid: `col-${id}-${r.code}` }, t(key));
      b.addEventListener("click", () => fn(b));
      return b;
    };
    const back = () => ctx.show("board");
    const ops: HTMLElement[] = [];
    const st = r.status;
    if (st === "checked" || st === "registered") ops.push(act("colActNumbers", "numbers", () => openNumbers(ctx, r, back), st === "checked"));
    if (st !== "unrequested") ops.push(act("colActCheck", "check", () => openCheck(ctx, r, back), ["requested", "submitted", "returned"].includes(st)));
    if (["requested", "submitted", "returned"].includes(st)) {
      // The front desk: the employee's My Number card on the reader does STEP2 and STEP3 at once.
      ops.push(h("button", { class: "small secondary", type: "button", testid: `col-card-${r.code}`, on: { click: () =>
        openCardRead(companyId, r.employeeId, r.name, () => reload()) } }, t("cardRead")));
    }
    if (st === "requested" || st === "returned") {
      ops.push(act("colActSubmitted", "submitted", (b) => void busy(b, async () => {
        try {
          await Collect.MarkSubmitted(companyId, r.employeeId);
          reload(t("colMarkedSubmitted").replace("{name}", r.name));
        } catch (e) {
          banner.textContent = errText(e);
          banner.classList.remove("hidden");
        }
      })));
      ops.push(act("colActRemind", "remind", () => remindDialog(ctx, [r], () => reload())));
    }
    if (["requested", "submitted", "checked"].includes(st)) {
      ops.push(act("colActSendBack", "sendback", () => reasonDialog("sendback", r, (reason) =>
        Collect.SendBack(companyId, r.employeeId, reason), () => reload(t("colRecorded")))));
    }
    if (openStatuses.includes(st)) {
      ops.push(act("colActRefuse", "refuse", () => reasonDialog("refuse", r, (reason) =>
        Collect.Refuse(companyId, r.employeeId, reason), () => reload(t("colRecorded")))));
    }
    const notes: HTMLElement[] = [];
    if (r.sharedFrom) notes.push(h("div", { class: "hint", testid: `col-shared-${r.code}` }, t("colSharedFrom"), "：", r.sharedFrom));
    if (st === "returned" && r.returnedReason) notes.push(h("div", { class: "hint" }, t("colReason"), "：", r.returnedReason));
    if (st === "refused") {
      notes.push(h("div", { class: "hint" }, dateTime(r.refusedAt)));
      if (r.refusedReason) notes.push(h("div", { class: "hint" }, t("colReason"), "：", r.refusedReason));
    }
    return h("tr", { testid: `col-row-${r.code}`, "data-status": st, class: r.leftOn ? "muted" : "" },
      h("td", null, box),
      h("td", { class: "mono nowrap" }, r.code),
      h("td", null, h("div", null, r.name), r.nameKana ? h("div", { class: "kana" }, r.nameKana) : null,
        r.leftOn ? h("span", { class: "tag muted" }, t("leftTag")) : null),
      h("td", null, r.department || "—"),
      h("td", null, statusTag(rules, st, `col-status-${r.code}`), notes),
      h("td", null, r.requestId
        ? [h("div", null, r.requestTitle || `#${r.requestId}`), h("div", { class: "hint nowrap" }, dateTime(r.notifiedAt)),
            r.reminders ? h("div", { class: "hint" }, t("colReminders").replace("{n}", String(r.reminders))) : null]
        : "—"),
      h("td", { class: "nowrap num" }, st === "requested" || st === "returned" ? t("colDays").replace("{n}", String(r.daysWaiting)) : ""),
      h("td", { class: "nowrap", testid: `col-family-${r.code}` },
        String(1 + r.dependents), " ",
        r.missing ? h("span", { class: "tag warn" }, t("colMissing").replace("{n}", String(r.missing)))
          : h("span", { class: "tag ok" }, t("colAllRegistered"))),
      h("td", null, h("div", { class: "ops" }, ops)));
  };

  const reasonDialog = (kind: "refuse" | "sendback", r: CollectBoardRow, call: (reason: string) => Promise<string>,
    done: () => void) => {
    const form = new Form(`col-${kind}`);
    const reason = h("textarea", { rows: "3", maxlength: "200", autocomplete: "off" });
    const ok = h("button", { class: kind === "refuse" ? "danger" : "primary", type: "button", testid: `col-${kind}-ok` },
      kind === "refuse" ? t("colActRefuse") : t("colActSendBack"));
    const dlg = openDialog({
      title: kind === "refuse" ? t("colRefuseTitle") : t("colSendBackTitle"), testid: `col-${kind}-dialog`,
      body: [form.banner,
        h("p", null, (kind === "refuse" ? t("colRefuseLead") : t("colSendBackLead")).replace("{name}", r.name)),
        form.field("reason", t("colReason"), reason, { required: true,
          hint: kind === "refuse" ? t("colRefuseReasonHint") : t("colSendBackReasonHint") })],
      actions: [h("button", { class: "secondary", type: "button", on: { click: () => dlg.close() } }, t("cancel")), ok],
    });
    ok.addEventListener("click", () => void busy(ok, async () => {
      form.clear();
      try {
        await call(reason.value);
        dlg.close();
        done();
      } catch (e) {
        form.show(e);
      }
    }));
    reason.focus();
  };

  all.addEventListener("change", () => {
    for (const r of rows) {
      if (all.checked) selected.add(r.employeeId);
      else selected.delete(r.employeeId);
    }
    for (const box of tbody.querySelectorAll<HTMLInputElement>("input[type=checkbox]")) box.checked = all.checked;
    drawSelection();
  });
  requestSel.addEventListener("click", () => {
    view.preselect = rows.filter((r) => selected.has(r.employeeId) && !openStatuses.includes(r.status)).map((r) => r.employeeId);
    ctx.show("request");
  });
  remindSel.addEventListener("click", () => {
    const chosen = rows.filter((r) => selected.has(r.employeeId));
    const ok = chosen.filter((r) => r.status === "requested" || r.status === "returned");
    if (!ok.length) {
      banner.textContent = chosen.length ? t("colNotRemindable") : t("colNoneSelected");
      banner.classList.remove("hidden");
      return;
    }
    remindDialog(ctx, ok, () => reload());
  });
  const filters = h("form", { class: "filters", testid: "col-filters", on: { submit: (ev: Event) => {
    ev.preventDefault();
    view.search = search.value.trim();
    view.pendingDays = Math.max(0, Math.floor(Number(days.value) || 0));
    view.includeLeft = left.checked;
    st.offset = 0;
    void busy(find, load);
  } } },
    h("label", null, t("search"), search),
    h("label", null, t("colPending"), h("span", { class: "col-days-row" }, t("colPendingDays"), days, t("colPendingDaysUnit"))),
    h("label", { class: "check" }, left, t("colIncludeLeft")),
    find);
  mount(ctx.body, note, submittedPanel(ctx, (msg) => reload(msg)), counts, filters, banner,
    h("div", { class: "toolbar" }, showing, h("span", { class: "spacer" }), selCount, requestSel, remindSel),
    table, pager.el);
  table.replaceChildren(head(), tbody);
  void load();
}

/** refusalKeys sorts the refusal record here (it arrives whole from Go). */
const refusalKeys: SortKeys<CollectRefusal> = {
  code: (r) => r.employeeCode,
  department: (r) => r.department,
  requestedAt: (r) => r.requestedAt,
  refusedAt: (r) => r.refusedAt,
};

/** boardKeys sorts the merged non-submitters as Go sorts a board (app/collect boardOrder). */
function boardKeys(rules: CollectRules): SortKeys<CollectBoardRow> {
  const rank = (code: string) => (rules.statuses ?? []).findIndex((s) => s.code === code);
  return {
    code: (r) => r.code,
    name: (r) => readingKey(r.name, r.nameKana),
    department: (r) => r.department,
    status: (r) => rank(r.status),
    waiting: (r) => r.daysWaiting,
  };
}

// --- the refusal record (提供拒否記録)

function renderRefusals(ctx: ColCtx): void {
  const companyId = ctx.company.id;
  mount(ctx.body, loading());
  const done = h("div", { class: "banner success hidden", role: "status", testid: "col-export-done" });
  const banner = h("div", { class: "banner error hidden", role: "alert", testid: "col-export-error" });
  const exportButton = (enc: "utf8bom" | "cp932", testid: string, label: string) => {
    const b = h("button", { class: "secondary", type: "button", testid }, label);
    b.addEventListener("click", () => void busy(b, async () => {
      banner.classList.add("hidden");
      done.classList.add("hidden");
      try {
        const f = await Collect.ExportRefusalRecord(companyId, enc);
        const where = await saveFile(f);
        if (!where) return; // the save dialog was cancelled
        done.textContent = t("colExported").replace("{name}", where);
        done.dataset.file = f.fileName;
        done.classList.remove("hidden");
      } catch (e) {
        banner.textContent = errText(e);
        banner.classList.remove("hidden");
      }
    }));
    return b;
  };
  Collect.RefusalRecord(companyId).then(
    (list) => {
      const rows = list ?? [];
      const st = view.refusals;
      const tbody = h("tbody", { testid: "col-refusal-rows" });
      const table = h("table", { class: "grid compact", testid: "col-refusal-table" });
      const draw = () => {
        const page = pageRows(sortRows(rows, st, refusalKeys), st);
        table.replaceChildren(sortHead("col-refusal", [
          { label: t("employeeCode"), key: "code" }, { label: t("employeeName") }, { label: t("department"), key: "department" },
          { label: t("colRequest") }, { label: t("colRequestedAt"), key: "requestedAt" }, { label: t("colRemindedAt") },
          { label: t("colRefusedAt"), key: "refusedAt" }, { label: t("colReason") }], st, draw), tbody);
        tbody.replaceChildren(...page.map((r) =>
          h("tr", { testid: `col-refusal-row-${r.employeeCode}` },
            h("td", { class: "mono" }, r.employeeCode),
            h("td", null, r.name),
            h("td", null, r.department || "—"),
            h("td", null, r.requestTitle || `#${r.requestId}`),
            h("td", { class: "nowrap" }, dateTime(r.requestedAt)),
            h("td", { class: "nowrap" }, (r.remindedAt ?? []).length ? (r.remindedAt ?? []).map((x) => h("div", null, dateTime(x))) : "—"),
            h("td", { class: "nowrap" }, dateTime(r.refusedAt)),
            h("td", null, r.reason))));
        pager.update(rows.length, page.length);
      };
      const pager = new Pager("col-refusal", st, draw);
      if (rows.length) draw();
      mount(ctx.body,
        h("p", { class: "hint" }, t("colRefusalsLead")),
        h("div", { class: "toolbar" },
          exportButton("utf8bom", "col-export-utf8", t("colExportUtf8")),
          exportButton("cp932", "col-export-cp932", t("colExportCp932")),
          h("span", { class: "hint" }, t("colExportNote"))),
        done, banner,
        rows.length ? [h("div", { class: "toolbar" }, pager.count), table, pager.el]
          : h("p", { class: "empty", testid: "col-refusals-empty" }, t("colRefusalsNone")));
    },
    (e) => mount(ctx.body, refusal(e)),
  );
}
