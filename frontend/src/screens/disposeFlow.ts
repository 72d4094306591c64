// 4-1, after the proposal: the 責任者's approval or rejection (承認待ち), carrying out an
// approved disposal after a warning that it cannot be undone (実行), the 廃棄記録 with the
// 廃棄証明書 workbook, and the 特定個人情報ファイル管理台帳 workbook. Go refuses whatever a
// user may not do (a 担当者 approving, the proposer approving their own proposal, a 担当者
// saving the register); the screen shows the refusal as Go words it. Workbooks are saved
// through a Blob behind an <a download>, and nothing of them is kept.

import { h, mount } from "../h";
import { Dispose } from "../api_dispose";
import { errText, getLang, t, type Key } from "../i18n";
import { dateTime } from "../format";
import type { Disposal, DisposalFile } from "../contract.gen";
import { openDialog } from "../ui/dialog";
import { saveFile } from "../ui/save";
import { Form, busy } from "../ui/form";
import { Pager, listState, pageRows, sortHead, sortRows, type SortKeys } from "../ui/listView";
import { refused, takeNotice, type DispCtx } from "./disposeShared";

const statusKeys: Record<string, Key> = {
  proposed: "dispStatusProposed",
  approved: "dispStatusApproved",
  rejected: "dispStatusRejected",
  executed: "dispStatusExecuted",
};

function methodLabel(m: string): string {
  return m === "mask_number" ? t("dispMethodMaskShort") : m === "shred" ? t("dispMethodShredShort") : m;
}

function statusTag(d: Disposal): HTMLElement {
  const cls = d.status === "rejected" ? "tag muted" : d.status === "executed" ? "tag ok" : d.status === "approved" ? "tag info" : "tag warn";
  return h("span", { class: cls, testid: `disp-status-${d.id}` }, statusKeys[d.status] ? t(statusKeys[d.status]) : d.status);
}

function who(u: { displayName: string; login: string } | null | undefined): string {
  return u ? u.displayName || u.login : "—";
}

/** people lists the persons of a disposal: code, name and relation (never a number). */
function people(d: Disposal): HTMLElement {
  return h("ul", { class: "disp-people" }, (d.items ?? []).map((it) =>
    h("li", null, h("span", { class: "mono muted" }, it.employeeCode), " ", it.name, it.relation ? h("span", { class: "hint" }, `（${it.relation}）`) : null)));
}

function banner(): HTMLElement {
  return h("div", { class: "banner error hidden", role: "alert", testid: "disp-error" });
}

function showError(el: HTMLElement, e: unknown): void {
  el.textContent = errText(e);
  el.classList.remove("hidden");
}

/** renderPending lists the proposals waiting for a 責任者, and the rejected ones. */
export function renderPending(ctx: DispCtx): void {
  const notice = takeNotice(ctx);
  Dispose.Pending(ctx.company.id).then((list) => {
    const all = list ?? [];
    const proposed = all.filter((d) => d.status === "proposed");
    const rejected = all.filter((d) => d.status === "rejected");
    const err = banner();
    const row = (d: Disposal) => {
      const own = d.proposedBy.id === ctx.me;
      const approve = h("button", { class: "small primary", type: "button", testid: `disp-approve-${d.id}` }, t("dispApprove"));
      approve.addEventListener("click", () => {
        err.classList.add("hidden");
        void busy(approve, async () => {
          try {
            await Dispose.Approve(d.id);
            ctx.notice = h("div", { class: "banner success", role: "status", testid: "disp-approved" },
              t("dispApproved").replace("{id}", String(d.id)));
            ctx.show("pending");
          } catch (e) {
            showError(err, e);
          }
        });
      });
      const reject = h("button", { class: "small secondary", type: "button", testid: `disp-reject-${d.id}`,
        on: { click: () => rejectDialog(ctx, d) } }, t("dispReject"));
      return h("tr", { testid: `disp-pending-${d.id}` },
        h("td", { class: "mono" }, String(d.id)),
        h("td", { class: "nowrap" }, dateTime(d.proposedAt)),
        h("td", { testid: `disp-proposer-${d.id}` }, who(d.proposedBy)),
        h("td", null, methodLabel(d.method)),
        h("td", null, people(d)),
        h("td", null, d.reason || "—"),
        h("td", { class: "nowrap" }, statusTag(d)),
        h("td", { class: "nowrap" }, own
          ? h("span", { class: "hint", testid: `disp-own-${d.id}` }, t("dispOwnProposal"))
          : h("div", { class: "row-actions" }, approve, reject)));
    };
    const rejectedRow = (d: Disposal) => h("tr", { testid: `disp-rejected-${d.id}`, class: "muted" },
      h("td", { class: "mono" }, String(d.id)),
      h("td", { class: "nowrap" }, dateTime(d.proposedAt)),
      h("td", null, who(d.proposedBy)),
      h("td", null, methodLabel(d.method)),
      h("td", null, people(d)),
      h("td", null, d.reason || "—"),
      h("td", { class: "nowrap" }, statusTag(d)),
      h("td", null, h("div", { testid: `disp-decision-${d.id}` }, d.decisionNote),
        h("div", { class: "hint" }, t("dispRejectedBy").replace("{name}", who(d.approvedBy)).replace("{time}", dateTime(d.approvedAt)))));
    const rows = [...proposed.map(row), ...rejected.map(rejectedRow)];
    mount(ctx.body, notice, h("p", { class: "hint" }, t("dispPendingLead")), err,
      h("table", { class: "grid disp-grid", testid: "disp-pending-table" },
        h("thead", null, h("tr", null,
          h("th", null, t("dispNo")), h("th", null, t("dispProposedAt")), h("th", null, t("dispProposer")), h("th", null, t("dispMethod")),
          h("th", null, t("dispPeople")), h("th", null, t("dispReasonLabel")), h("th", null, t("status")), h("th", null, t("operations")))),
        h("tbody", { testid: "disp-pending-rows" },
          rows.length ? rows : h("tr", null, h("td", { colspan: "8", class: "empty", testid: "disp-no-pending" }, t("dispNoPending"))))));
  }, (e) => mount(ctx.body, refused(e)));
}

/** rejectDialog asks the 責任者 for the reason of a rejection. */
function rejectDialog(ctx: DispCtx, d: Disposal): void {
  const form = new Form("disp-reject");
  const reason = h("textarea", { rows: "3", maxlength: "200", autocomplete: "off" });
  const ok = h("button", { class: "danger", type: "submit", form: "disp-reject-form", testid: "disp-reject-submit" }, t("dispRejectSubmit"));
  const body = h("form", { id: "disp-reject-form", autocomplete: "off", on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    void busy(ok, async () => {
      try {
        await Dispose.Reject(d.id, reason.value.trim());
        dlg.close();
        ctx.notice = h("div", { class: "banner success", role: "status", testid: "disp-rejected" },
          t("dispRejected").replace("{id}", String(d.id)));
        ctx.show("pending");
      } catch (e) {
        form.show(e);
      }
    });
  } } }, form.banner, people(d), form.field("reason", t("dispRejectReason"), reason, { required: true }));
  const dlg = openDialog({
    title: t("dispRejectTitle").replace("{id}", String(d.id)), testid: "disp-reject-dialog", body,
    actions: [h("button", { class: "secondary", type: "button", on: { click: () => dlg.close() } }, t("cancel")), ok],
  });
}

/** renderExecute lists the approved disposals, each carried out after a warning. */
export function renderExecute(ctx: DispCtx): void {
  const notice = takeNotice(ctx);
  Dispose.Pending(ctx.company.id).then((list) => {
    const approved = (list ?? []).filter((d) => d.status === "approved");
    const rows = approved.map((d) => h("tr", { testid: `disp-approved-${d.id}` },
      h("td", { class: "mono" }, String(d.id)),
      h("td", null, who(d.proposedBy), h("div", { class: "hint" }, dateTime(d.proposedAt))),
      h("td", { testid: `disp-approver-${d.id}` }, who(d.approvedBy), h("div", { class: "hint" }, dateTime(d.approvedAt))),
      h("td", null, methodLabel(d.method)),
      h("td", null, people(d)),
      h("td", null, d.reason || "—"),
      h("td", null, h("button", { class: "small danger", type: "button", testid: `disp-execute-${d.id}`,
        on: { click: () => executeDialog(ctx, d) } }, t("dispExecute")))));
    mount(ctx.body, notice, h("p", { class: "hint" }, t("dispExecuteLead")),
      h("table", { class: "grid disp-grid", testid: "disp-execute-table" },
        h("thead", null, h("tr", null,
          h("th", null, t("dispNo")), h("th", null, t("dispProposer")), h("th", null, t("dispApprover")), h("th", null, t("dispMethod")),
          h("th", null, t("dispPeople")), h("th", null, t("dispReasonLabel")), h("th", null, t("operations")))),
        h("tbody", { testid: "disp-execute-rows" },
          rows.length ? rows : h("tr", null, h("td", { colspan: "7", class: "empty", testid: "disp-no-approved" }, t("dispNoApproved"))))));
  }, (e) => mount(ctx.body, refused(e)));
}

/** executeDialog explains that the disposal cannot be undone, then carries it out. */
function executeDialog(ctx: DispCtx, d: Disposal): void {
  const form = new Form("disp-execute");
  const ok = h("button", { class: "danger", type: "button", testid: "disp-execute-ok" }, t("dispExecuteOk"));
  const dlg = openDialog({
    title: t("dispExecuteTitle").replace("{id}", String(d.id)), testid: "disp-execute-dialog",
    body: [form.banner,
      h("div", { class: "banner warn", testid: "disp-execute-warning" },
        t(d.method === "mask_number" ? "dispExecuteWarnMask" : "dispExecuteWarnShred")),
      h("p", null, t("dispMethod"), "：", methodLabel(d.method)),
      people(d)],
    actions: [h("button", { class: "secondary", type: "button", testid: "disp-execute-cancel", on: { click: () => dlg.close() } }, t("cancel")), ok],
  });
  ok.addEventListener("click", () => void busy(ok, async () => {
    try {
      const x = await Dispose.Execute(d.id);
      dlg.close();
      ctx.notice = h("div", { class: "banner success", role: "status", testid: "disp-executed" },
        t("dispExecuted").replace("{no}", x.certificateNo));
      ctx.show("records");
    } catch (e) {
      form.show(e);
    }
  }));
}

/** renderRecords lists the 廃棄記録, each with its certificate. */
// The records' sort and page survive moving between tabs and screens (in memory; no personal
// data). Go sends the newest first; that is the order until a column is chosen.
const records = listState();
const recordKeys: SortKeys<Disposal> = {
  executedAt: (d) => d.executedAt,
  certificateNo: (d) => d.certificateNo,
};

export function renderRecords(ctx: DispCtx): void {
  const notice = takeNotice(ctx);
  Dispose.Records(ctx.company.id).then((list) => {
    const err = banner();
    const saved = h("div", { testid: "disp-saved-slot" });
    const all = list ?? [];
    const st = records;
    const row = (d: Disposal) => {
      const kinds = new Set<string>();
      for (const it of d.items ?? []) for (const k of (getLang() === "en" ? it.fileKindsEn : it.fileKindsJa) ?? []) kinds.add(k);
      const cert = h("button", { class: "small secondary", type: "button", testid: `disp-cert-${d.id}` }, t("dispCertificate"));
      cert.addEventListener("click", () => {
        err.classList.add("hidden");
        mount(saved);
        void busy(cert, async () => {
          try {
            const f = await Dispose.Certificate(d.id);
            const where = await saveFile(f);
            if (where) mount(saved, fileSaved(f, where));
          } catch (e) {
            showError(err, e);
          }
        });
      });
      return h("tr", { testid: `disp-record-${d.id}` },
        h("td", { class: "nowrap" }, dateTime(d.executedAt)),
        h("td", null, people(d)),
        h("td", { testid: `disp-kinds-${d.id}` }, [...kinds].map((k) => h("div", null, k))),
        h("td", { class: "nowrap" }, who(d.approvedBy)),
        h("td", { class: "nowrap" }, who(d.executedBy)),
        h("td", null, methodLabel(d.method)),
        h("td", { class: "mono nowrap", testid: `disp-cert-no-${d.id}` }, d.certificateNo),
        h("td", null, cert));
    };
    const tbody = h("tbody", { testid: "disp-records-rows" });
    const table = h("table", { class: "grid disp-grid", testid: "disp-records-table" });
    const draw = () => {
      const page = pageRows(sortRows(all, st, recordKeys), st);
      table.replaceChildren(sortHead("disp-records", [
        { label: t("dispDate"), key: "executedAt" }, { label: t("dispPeople") }, { label: t("dispFileKinds") },
        { label: t("dispManager") }, { label: t("dispExecutor") }, { label: t("dispMethod") },
        { label: t("dispCertNo"), key: "certificateNo" }, { label: t("operations") }], st, draw), tbody);
      tbody.replaceChildren(...(page.length ? page.map(row)
        : [h("tr", null, h("td", { colspan: "8", class: "empty", testid: "disp-no-records" }, t("dispNoRecords")))]));
      pager.update(all.length, page.length);
    };
    const pager = new Pager("disp-records", st, draw);
    draw();
    mount(ctx.body, notice, h("p", { class: "hint" }, t("dispRecordsLead")), err, saved,
      all.length ? h("div", { class: "toolbar" }, pager.count) : null, table, all.length ? pager.el : null);
  }, (e) => mount(ctx.body, refused(e)));
}

/** renderRegister saves the company's 特定個人情報ファイル管理台帳 (責任者 only; Go decides). */
export function renderRegister(ctx: DispCtx): void {
  const err = banner();
  const saved = h("div", { testid: "disp-saved-slot" });
  const get = h("button", { class: "primary", type: "button", testid: "disp-register" }, t("dispRegisterDownload"));
  get.addEventListener("click", () => {
    err.classList.add("hidden");
    mount(saved);
    void busy(get, async () => {
      try {
        const f = await Dispose.FileRegister(ctx.company.id);
        const where = await saveFile(f);
        if (where) mount(saved, fileSaved(f, where));
      } catch (e) {
        showError(err, e);
      }
    });
  });
  mount(ctx.body, h("div", { class: "panel wide-panel" },
    h("h2", null, t("dispTabRegister")), h("p", null, t("dispRegisterLead")), err, h("div", { class: "actions" }, get), saved));
}

/** fileSaved is the note (and the tests' marker) naming the saved workbook. */
function fileSaved(f: DisposalFile, where: string): HTMLElement {
  return h("div", { class: "banner success", role: "status", testid: "disp-download", "data-file": f.fileName },
    t("dispFileSaved").replace("{file}", where));
}

