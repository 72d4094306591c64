// 1-3 STEP1: a collection request (取得依頼) for chosen employees with the purposes notified,
// and the notice letters (従業員等へのマイナンバー制度に向けての通知書) that Go writes as an Excel
// workbook with each employee's company ID, employee code and one-time password. The reminder
// (再通知) issues new passwords and letters.
//
// The workbook is the only clear copy of the passwords: it arrives as base64, is offered for
// saving, and is dropped when its dialog closes. It is never shown on screen.

import { h, mount } from "../h";
import { Collect } from "../api_collect";
import { errText, pick, t } from "../i18n";
import { dateTime } from "../format";
import type { CollectBoardRow, CollectFile, CollectNotice } from "../contract.gen";
import { openDialog } from "../ui/dialog";
import { saveFile } from "../ui/save";
import { Form, busy, input } from "../ui/form";
import { loading } from "../ui/layout";
import { openStatuses, refusal, statusTag, type ColCtx } from "./collectShared";

/** layoutChoice is the choice between one workbook with a sheet per employee and one file per
 *  employee in a ZIP; perEmployee() reads it. */
function layoutChoice(prefix: string): { el: HTMLElement; perEmployee: () => boolean } {
  const sheets = h("input", { type: "radio", name: `${prefix}-layout`, value: "sheets", checked: true, testid: `${prefix}-layout-sheets` });
  const zip = h("input", { type: "radio", name: `${prefix}-layout`, value: "zip", testid: `${prefix}-layout-zip` });
  return {
    el: h("div", { class: "choices" },
      h("label", { class: "check" }, sheets, t("colLayoutSheets")),
      h("label", { class: "check" }, zip, t("colLayoutZip"))),
    perEmployee: () => zip.checked,
  };
}

/** noticeDialog offers the notice workbooks for saving and says, once, that the passwords are
 *  only in them. It is sticky: it closes with its own button, after a warning if a file was
 *  not saved. The files are dropped when it closes. */
export function noticeDialog(notices: CollectNotice[], onClose: () => void): void {
  let files: (CollectFile | null)[] = notices.map((n) => n.file);
  const saved = new Set<number>();
  const warn = h("div", { class: "banner warn hidden", role: "alert", testid: "col-notice-unsaved" }, t("colNoticeNotSaved"));
  const done = h("button", { class: "primary", type: "button", testid: "col-notice-done" }, t("colNoticeDone"));
  const rows = notices.map((n, i) => {
    const mark = h("span", { class: "tag ok hidden", testid: `col-notice-saved-${i}` });
    const save = h("button", { class: "primary small", type: "button", testid: `col-notice-save-${i}` }, t("colNoticeSave"));
    save.addEventListener("click", () => {
      const f = files[i];
      if (!f) return;
      void saveFile(f).then((where) => {
        if (!where) return; // the save dialog was cancelled
        saved.add(i);
        mark.textContent = t("colNoticeSaved").replace("{name}", where);
        mark.classList.remove("hidden");
        if (saved.size === notices.length) warn.classList.add("hidden");
      }, (e) => { mark.textContent = errText(e); mark.classList.remove("hidden"); });
    });
    return h("li", { class: "col-notice-file" },
      h("div", null, t("colNoticeMade").replace("{letters}", String(n.letters)).replace("{persons}", String(n.persons))),
      n.expiresAt ? h("div", { class: "hint" }, t("colNoticeExpires"), "：", dateTime(n.expiresAt)) : null,
      h("div", { class: "number-row" },
        h("span", { class: "mono", testid: `col-notice-name-${i}`, "data-file": n.file.fileName }, n.file.fileName), save, mark));
  });
  const dlg = openDialog({
    title: t("colNoticeTitle"), testid: "col-notice-dialog", sticky: true,
    body: [
      // The warning about passwords only when the letters carry some.
      notices.some((n) => n.hasPasswords)
        ? h("div", { class: "banner warn", role: "alert", testid: "col-notice-once" }, t("colNoticeOnce"))
        : null,
      h("ul", { class: "col-notice-files", testid: "col-notice-file",
        "data-files": notices.map((n) => n.file.fileName).join("\n") }, rows),
      warn,
    ],
    actions: [done],
    onClose: () => {
      files = [];
      onClose();
    },
  });
  done.addEventListener("click", () => {
    if (saved.size < notices.length && warn.classList.contains("hidden")) {
      warn.classList.remove("hidden");
      return;
    }
    dlg.close();
  });
}

/** renderRequest draws STEP1: employees, purposes and the notice settings. preselect are
 *  employees chosen on the board. */
export function renderRequest(ctx: ColCtx, preselect: number[], notice: string): void {
  const companyId = ctx.company.id;
  mount(ctx.body, loading());
  Promise.all([
    Collect.StatusBoard({ companyId, status: "", search: "", pendingDays: 0, includeLeft: false, offset: 0, limit: 2000, sort: "", desc: false }),
    Collect.Purposes(),
  ]).then(([board, purposes]) => {
    const rows = board.rows ?? [];
    const form = new Form("col-req");
    form.alias("submit", "ways"); // Go names the ways to hand in "submit"
    const chosen = new Set(preselect.filter((id) => rows.some((r) => r.employeeId === id && !openStatuses.includes(r.status))));
    const boxes = new Map<number, HTMLInputElement>();
    const empList = h("div", { class: "col-emp-list", testid: "col-req-employees" },
      rows.length ? rows.map((r) => {
        const blocked = openStatuses.includes(r.status);
        const box = h("input", { type: "checkbox", checked: chosen.has(r.employeeId), disabled: blocked, testid: `col-req-emp-${r.code}` });
        boxes.set(r.employeeId, box);
        return h("label", { class: "check" + (blocked ? " muted" : "") }, box,
          h("span", { class: "mono" }, r.code), h("span", null, r.name), statusTag(ctx.rules, r.status),
          r.dependents ? h("span", { class: "hint" }, `${t("dependentsCount")} ${r.dependents}`) : null);
      }) : h("p", { class: "empty" }, t("colReqNoEmployees")));
    const selectUnrequested = h("button", { class: "secondary small", type: "button", testid: "col-req-select-unrequested",
      on: { click: () => {
        // Never someone whose number is already stored (entered in 1-2 or imported).
        for (const r of rows) if (r.status === "unrequested" && !r.hasNumber) boxes.get(r.employeeId)!.checked = true;
      } } }, t("colReqSelectUnrequested"));
    const clear = h("button", { class: "secondary small", type: "button", testid: "col-req-clear", on: { click: () => {
      for (const b of boxes.values()) b.checked = false;
    } } }, t("colReqClear"));
    const empField = h("fieldset", { class: "checklist col-emp-fieldset" },
      h("div", { class: "ops" }, selectUnrequested, clear), empList);
    const purposeBoxes = (purposes ?? []).map((p) => ({
      code: p.code,
      box: h("input", { type: "checkbox", testid: `col-req-purpose-${p.code}` }),
      label: pick(p.ja, p.en),
    }));
    const purposeField = h("fieldset", { class: "checklist" },
      purposeBoxes.map((p) => h("label", { class: "check" }, p.box, p.label)));
    const title = input("text", "", { maxlength: "100", autocomplete: "off" });
    const inPerson = input("text", "", { maxlength: "200", autocomplete: "off" });
    const mail = input("text", "", { maxlength: "200", autocomplete: "off" });
    const online = h("input", { type: "checkbox", testid: "col-req-online" });
    const ways = h("div", { class: "col-ways" },
      form.field("inPerson", t("colReqInPerson"), inPerson, { hint: t("colReqInPersonHint") }),
      form.field("mail", t("colReqMail"), mail, { hint: t("colReqMailHint") }),
      h("label", { class: "check" }, online, t("colReqOnline")));
    const sender = input("text", "", { maxlength: "200", autocomplete: "off" });
    const contact = input("text", "", { maxlength: "200", autocomplete: "off" });
    const deadline = input("date", "", {});
    const validDays = input("number", "", { min: "1", max: "90", class: "col-days" });
    const filePassword = input("password", "", { autocomplete: "new-password" });
    const layout = layoutChoice("col-req");
    const submit = h("button", { class: "primary", type: "submit", testid: "col-req-submit" }, t("colReqSubmit"));
    const panel = h("form", { class: "panel wide-panel", testid: "col-req-form", autocomplete: "off", on: { submit: (ev: Event) => {
      ev.preventDefault();
      form.clear();
      const employeeIds = rows.filter((r) => boxes.get(r.employeeId)?.checked).map((r) => r.employeeId);
      void busy(submit, async () => {
        try {
          const n = await Collect.CreateRequest({
            companyId, title: title.value.trim(), employeeIds,
            purposes: purposeBoxes.filter((p) => p.box.checked).map((p) => p.code),
            sender: sender.value.trim(), inPerson: inPerson.value.trim(), mail: mail.value.trim(), online: online.checked,
            contact: contact.value.trim(), deadline: deadline.value.trim(), validDays: Math.floor(Number(validDays.value) || 0),
            filePassword: filePassword.value, perEmployee: layout.perEmployee(),
          });
          filePassword.value = "";
          noticeDialog([n], () => ctx.show("board"));
        } catch (e) {
          form.show(e);
        }
      });
    } } },
      h("h2", null, t("colTabRequest")),
      notice ? h("div", { class: "banner success", role: "status" }, notice) : null,
      form.banner,
      form.field("employeeIds", t("colReqEmployees"), empField, { required: true, hint: t("colReqEmployeesHint") }),
      form.field("purposes", t("colReqPurposes"), purposeField, { required: true }),
      form.field("ways", t("colReqSubmitWays"), ways, { required: true }),
      h("div", { class: "grid2" },
        form.field("title", t("colReqTitleLabel"), title, { hint: t("colReqTitleHint") }),
        form.field("deadline", t("colReqDeadline"), deadline),
        form.field("sender", t("colReqSender"), sender, { hint: t("colReqSenderHint") }),
        form.field("contact", t("colReqContact"), contact, { hint: t("colReqContactHint") }),
        form.field("validDays", t("colReqValidDays"), validDays, { hint: t("colReqValidDaysHint") }),
        form.field("filePassword", t("colReqFilePassword"), filePassword, { hint: t("colReqFilePasswordHint") }),
        form.field("perEmployee", t("colLayout"), layout.el)),
      h("div", { class: "actions" }, h("span", { class: "spacer" }), submit));
    mount(ctx.body, panel);
  }, (e) => mount(ctx.body, refusal(e)));
}

/** remindDialog sends a reminder (再通知) to rows (依頼済 / 差戻し): one call per request, then
 *  the notice files. done runs when the files' dialog closes. */
export function remindDialog(ctx: ColCtx, rows: CollectBoardRow[], done: () => void): void {
  const form = new Form("col-remind");
  const validDays = input("number", "", { min: "1", max: "90", class: "col-days" });
  const filePassword = input("password", "", { autocomplete: "new-password" });
  const layout = layoutChoice("col-remind");
  const ok = h("button", { class: "primary", type: "button", testid: "col-remind-ok" }, t("colRemindSubmit"));
  const dlg = openDialog({
    title: t("colRemindTitle"), testid: "col-remind-dialog",
    body: [form.banner,
      h("p", null, t("colRemindLead").replace("{n}", String(rows.length))),
      h("ul", { class: "col-remind-list" }, rows.map((r) => h("li", null, h("span", { class: "mono" }, r.code), " ", r.name))),
      form.field("validDays", t("colReqValidDays"), validDays, { hint: t("colReqValidDaysHint") }),
      form.field("filePassword", t("colReqFilePassword"), filePassword, { hint: t("colReqFilePasswordHint") }),
      form.field("perEmployee", t("colLayout"), layout.el)],
    actions: [h("button", { class: "secondary", type: "button", on: { click: () => dlg.close() } }, t("cancel")), ok],
  });
  ok.addEventListener("click", () => void busy(ok, async () => {
    form.clear();
    const byRequest = new Map<number, number[]>();
    for (const r of rows) byRequest.set(r.requestId, [...(byRequest.get(r.requestId) ?? []), r.employeeId]);
    const notices: CollectNotice[] = [];
    try {
      for (const [requestId, employeeIds] of byRequest) {
        notices.push(await Collect.Reissue({ companyId: ctx.company.id, requestId, employeeIds,
          validDays: Math.floor(Number(validDays.value) || 0), filePassword: filePassword.value, perEmployee: layout.perEmployee() }));
      }
    } catch (e) {
      form.show(e);
      if (!notices.length) return;
    }
    filePassword.value = "";
    dlg.close();
    noticeDialog(notices, done);
  }));
}
