// 1-2, one employee: the form, the employee's dependents, and the My Number entry for each person.
//
// A number is typed into a masked input, read from it only to make the SetNumber call, and the
// input is emptied as soon as Go has stored it: no number is kept in a variable, a closure, the
// list or the console. What comes back from Go is masked ("**** **** 9018").

import { showDate } from "../format";
import { h, mount } from "../h";
import { Employees, parseError } from "../api";
import { errText, t, type Key } from "../i18n";
import type { Dependent, Employee } from "../contract.gen";
import { confirmDialog } from "../ui/confirm";
import { openDialog } from "../ui/dialog";
import { Form, busy, input } from "../ui/form";
import { loading } from "../ui/layout";
import { departmentOptions } from "./departments";
import type { Ctx } from "./employees";
import { Code } from "../contract.gen";

const relations: [string, Key][] = [
  ["spouse", "relSpouse"], ["child", "relChild"], ["parent", "relParent"], ["grandchild", "relGrandchild"],
  ["grandparent", "relGrandparent"], ["sibling", "relSibling"], ["other", "relOther"],
];

/** numberCell shows a person's number state: the masked number with 登録済, or 未登録. */
export function numberCell(testid: string, has: boolean, masked: string): HTMLElement {
  return h("span", { class: "number-cell", testid },
    has ? h("span", { class: "mono masked" }, masked) : null,
    has ? h("span", { class: "tag ok" }, t("numberRegistered")) : h("span", { class: "tag warn" }, t("numberMissing")));
}

function sexSelect(value: string): HTMLSelectElement {
  return h("select", null,
    h("option", { value: "", selected: !value }, t("sexUnspecified")),
    h("option", { value: "male", selected: value === "male" }, t("sexMale")),
    h("option", { value: "female", selected: value === "female" }, t("sexFemale")));
}

function sexLabel(s: string): string {
  return s === "male" ? t("sexMale") : s === "female" ? t("sexFemale") : "—";
}

function blank(companyId: number): Employee {
  return { id: 0, companyId, code: "", name: "", nameKana: "", birthDate: "", sex: "", departmentId: 0, departmentName: "",
    hiredOn: "", leftOn: "", email: "", phone: "", hasNumber: false, maskedNumber: "", dependentCount: 0, dependents: [],
    updatedAt: "", warnings: [] };
}

/** editEmployee opens employee id (0: a new one) in the tab body; back returns to the list. */
export function editEmployee(ctx: Ctx, id: number, back: () => void, notice = ""): void {
  if (!id) {
    drawEmployee(ctx, blank(ctx.company.id), back, notice);
    return;
  }
  mount(ctx.body, loading());
  Employees.GetEmployee(ctx.company.id, id).then(
    (e) => drawEmployee(ctx, e, back, notice),
    (e) => mount(ctx.body, h("div", { class: "banner error", role: "alert", testid: "emp-load-error" }, errText(e)),
      h("button", { class: "secondary", type: "button", on: { click: back } }, t("backToList"))),
  );
}

function drawEmployee(ctx: Ctx, cur: Employee, back: () => void, notice: string): void {
  const companyId = ctx.company.id;
  const reopen = (id: number, msg = "") => editEmployee(ctx, id, back, msg);
  const form = new Form("emp");
  const code = input("text", cur.code, { maxlength: "20", autocomplete: "off", class: "mono" });
  const name = input("text", cur.name, { maxlength: "64", autocomplete: "off" });
  const kana = input("text", cur.nameKana, { maxlength: "64", autocomplete: "off" });
  const birth = input("text", cur.birthDate, { autocomplete: "off", placeholder: "1985-01-02" });
  const sex = sexSelect(cur.sex);
  const dept = h("select", null, h("option", { value: "0" }, t("noDepartment")), departmentOptions(ctx.depts, cur.departmentId));
  const hired = input("text", cur.hiredOn, { autocomplete: "off", placeholder: "2020-04-01" });
  const left = input("text", cur.leftOn, { autocomplete: "off" });
  const email = input("email", cur.email, { autocomplete: "off" });
  const phone = input("tel", cur.phone, { autocomplete: "off" });
  const save = h("button", { class: "primary", type: "submit", testid: "emp-save" }, t("save"));
  const saved = h("div", { class: "banner success" + (notice ? "" : " hidden"), role: "status", testid: "emp-saved" }, notice);
  const warnings = cur.warnings?.length
    ? h("div", { class: "banner warn", role: "status", testid: "emp-warnings" }, cur.warnings.map((w) => h("div", null, w.message)))
    : null;
  const del = cur.id
    ? h("button", { class: "danger", type: "button", testid: "emp-delete", on: { click: () =>
        confirmDialog({
          title: t("employeeDelete"), message: t("employeeDeleteConfirm").replace("{name}", cur.name),
          confirm: t("delete"), danger: true, testid: "emp-delete-confirm",
          action: async () => { await Employees.DeleteEmployee(companyId, cur.id); back(); },
        }) } }, t("delete"))
    : null;
  const dateHint = t("dateHint");
  const panel = h("form", { class: "panel", testid: "emp-form", on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    saved.classList.add("hidden");
    const next: Employee = {
      ...cur, code: code.value.trim(), name: name.value.trim(), nameKana: kana.value.trim(), birthDate: birth.value.trim(),
      sex: sex.value, departmentId: Number(dept.value), hiredOn: hired.value.trim(), leftOn: left.value.trim(),
      email: email.value.trim(), phone: phone.value.trim(),
    };
    void busy(save, async () => {
      try {
        const out = await Employees.SaveEmployee(next);
        reopen(out.id, cur.id ? t("saved") : t("employeeCreated"));
      } catch (e) {
        form.show(e);
      }
    });
  } } },
    h("h2", null, cur.id ? t("employeeEdit") : t("employeeAdd")),
    saved, warnings, form.banner,
    h("div", { class: "grid2" },
      form.field("code", t("employeeCode"), code, { required: true }),
      form.field("department", t("department"), dept),
      form.field("name", t("employeeName"), name, { required: true }),
      form.field("nameKana", t("nameKana"), kana),
      form.field("birthDate", t("birthDate"), birth, { hint: dateHint }),
      form.field("sex", t("sex"), sex),
      form.field("hiredOn", t("hiredOn"), hired, { hint: dateHint }),
      form.field("leftOn", t("leftOn"), left, { hint: dateHint }),
      form.field("email", t("email"), email),
      form.field("phone", t("phone"), phone)),
    h("div", { class: "actions" },
      del,
      h("span", { class: "spacer" }),
      h("button", { class: "secondary", type: "button", testid: "emp-back", on: { click: back } }, t("backToList")),
      save));

  if (!cur.id) {
    mount(ctx.body, panel, h("p", { class: "hint" }, t("employeeSaveFirst")));
    code.focus();
    return;
  }
  const numberPanel = h("section", { class: "panel", testid: "emp-number-panel" },
    h("h2", null, t("myNumber")),
    h("p", null, t("currentNumber"), "：", numberCell("emp-number-current", cur.hasNumber, cur.maskedNumber)),
    numberEntry("emp-num", companyId, cur.id, () => reopen(cur.id, t("numberSaved"))));
  mount(ctx.body, panel, numberPanel, dependentsPanel(ctx, cur, reopen));
}

/** numberEntry is the masked My Number input of one person, with Go's errors next to it and the
 *  duplicate confirmation. onSaved runs after Go has stored the number and the input is empty. */
export function numberEntry(prefix: string, companyId: number, personId: number, onSaved: () => void): HTMLElement {
  const form = new Form(prefix);
  // Not kept by the browser: no autocomplete, no spelling dictionary, no autocorrection.
  const num = h("input", { type: "password", autocomplete: "off", inputmode: "numeric", spellcheck: "false",
    autocapitalize: "off", autocorrect: "off", maxlength: "40", class: "mono number-input" });
  const show = h("button", { class: "secondary small", type: "button", testid: `${prefix}-show`, "aria-pressed": "false" }, t("show"));
  show.addEventListener("click", () => {
    const visible = num.type === "password";
    num.type = visible ? "text" : "password";
    show.textContent = visible ? t("hide") : t("show");
    show.setAttribute("aria-pressed", String(visible));
    num.focus();
  });
  const submit = h("button", { class: "primary", type: "submit", testid: `${prefix}-save` }, t("registerNumber"));
  const dupText = h("div", { testid: `${prefix}-duplicate-text` });
  const accept = h("button", { class: "primary small", type: "button", testid: `${prefix}-accept` }, t("confirmAndRegister"));
  const dismiss = h("button", { class: "secondary small", type: "button", testid: `${prefix}-dismiss` }, t("cancel"));
  const dup = h("div", { class: "banner warn hidden", role: "alert", testid: `${prefix}-duplicate` },
    dupText, h("p", { class: "hint" }, t("duplicateHint")), h("div", { class: "ops" }, dismiss, accept));
  const hideDup = () => {
    dup.classList.add("hidden");
    dupText.textContent = "";
  };
  const send = (button: HTMLButtonElement, acceptDuplicate: boolean) => {
    form.clear();
    void busy(button, async () => {
      try {
        await Employees.SetNumber(companyId, personId, num.value, acceptDuplicate);
        num.value = "";
        num.type = "password";
        hideDup();
        onSaved();
      } catch (e) {
        const err = parseError(e);
        if (err.code === Code.DuplicateNumber) {
          dupText.textContent = errText(err);
          dup.classList.remove("hidden");
          accept.focus();
        } else {
          hideDup();
          form.show(err);
        }
      }
    });
  };
  num.addEventListener("input", hideDup);
  dismiss.addEventListener("click", () => {
    hideDup();
    num.value = "";
    num.focus();
  });
  accept.addEventListener("click", () => send(accept, true));
  const row = form.field("number", t("myNumberEntry"), num, { hint: t("numberHint") });
  const wrap = h("div", { class: "number-row" });
  num.replaceWith(wrap);
  wrap.append(num, show, submit);
  return h("form", { class: "number-entry", testid: `${prefix}-form`, autocomplete: "off", on: { submit: (ev: Event) => {
    ev.preventDefault();
    hideDup();
    send(submit, false);
  } } }, form.banner, row, dup);
}

function dependentsPanel(ctx: Ctx, emp: Employee, reopen: (id: number, msg?: string) => void): HTMLElement {
  const companyId = ctx.company.id;
  const deps = emp.dependents ?? [];
  const again = (msg: string) => reopen(emp.id, msg);
  const rows = deps.map((d, i) => {
    const n = i + 1;
    return h("tr", { testid: `dep-row-${n}` },
      h("td", null, d.relationLabel || d.relation),
      h("td", null, h("div", null, d.name), d.nameKana ? h("div", { class: "kana" }, d.nameKana) : null),
      h("td", { class: "nowrap" }, showDate(d.birthDate)),
      h("td", null, sexLabel(d.sex)),
      h("td", { class: "nowrap" }, numberCell(`dep-${n}-number`, d.hasNumber, d.maskedNumber)),
      h("td", null, h("div", { class: "ops" },
        h("button", { class: "small secondary", type: "button", testid: `dep-${n}-edit`,
          on: { click: () => editDependent(companyId, emp.id, d, () => again(t("saved"))) } }, t("edit")),
        h("button", { class: "small primary", type: "button", testid: `dep-${n}-set-number`,
          on: { click: () => dependentNumber(companyId, d, () => again(t("numberSaved"))) } }, t("registerNumber")),
        h("button", { class: "small secondary", type: "button", testid: `dep-${n}-delete`, on: { click: () =>
          confirmDialog({
            title: t("dependentDelete"), message: t("dependentDeleteConfirm").replace("{name}", d.name),
            confirm: t("delete"), danger: true, testid: "dep-delete-confirm",
            action: async () => { await Employees.DeleteDependent(companyId, d.id); again(""); },
          }) } }, t("delete")))));
  });
  return h("section", { class: "panel", testid: "emp-dependents" },
    h("h2", null, t("dependents")),
    rows.length
      ? h("table", { class: "grid compact" },
          h("thead", null, h("tr", null,
            h("th", null, t("relation")), h("th", null, t("displayName")), h("th", null, t("birthDate")),
            h("th", null, t("sex")), h("th", null, t("myNumber")), h("th", null, t("operations")))),
          h("tbody", null, rows))
      : h("p", { class: "empty", testid: "dep-empty" }, t("noDependents")),
    h("div", { class: "actions" },
      h("button", { class: "secondary", type: "button", testid: "dep-add",
        on: { click: () => editDependent(companyId, emp.id, null, () => again(t("saved"))) } }, t("dependentAdd"))));
}

function editDependent(companyId: number, employeeId: number, d: Dependent | null, done: () => void): void {
  const form = new Form("dep");
  const relation = h("select", null, relations.map(([v, k]) => h("option", { value: v, selected: d?.relation === v }, t(k))));
  const name = input("text", d?.name ?? "", { maxlength: "64", autocomplete: "off" });
  const kana = input("text", d?.nameKana ?? "", { maxlength: "64", autocomplete: "off" });
  const birth = input("text", d?.birthDate ?? "", { autocomplete: "off" });
  const sex = sexSelect(d?.sex ?? "");
  const save = h("button", { class: "primary", type: "submit", testid: "dep-save", form: "dep-form" }, t("save"));
  const body = h("form", { id: "dep-form", testid: "dep-form", on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    const next: Dependent = {
      id: d?.id ?? 0, companyId, employeeId, relation: relation.value, relationLabel: "", name: name.value.trim(),
      nameKana: kana.value.trim(), birthDate: birth.value.trim(), sex: sex.value, hasNumber: false, maskedNumber: "", updatedAt: "",
    };
    void busy(save, async () => {
      try {
        await Employees.SaveDependent(next);
        dlg.close();
        done();
      } catch (e) {
        form.show(e);
      }
    });
  } } },
    form.banner,
    form.field("relation", t("relation"), relation, { required: true }),
    form.field("name", t("displayName"), name, { required: true }),
    form.field("nameKana", t("nameKana"), kana),
    form.field("birthDate", t("birthDate"), birth, { hint: t("dateHint") }),
    form.field("sex", t("sex"), sex));
  const dlg = openDialog({
    title: d ? t("dependentEdit") : t("dependentAdd"), testid: "dep-dialog", body,
    actions: [h("button", { class: "secondary", type: "button", on: { click: () => dlg.close() } }, t("cancel")), save],
  });
  relation.focus();
}

function dependentNumber(companyId: number, d: Dependent, done: () => void): void {
  const dlg = openDialog({
    title: t("dependentNumber").replace("{name}", d.name), testid: "dep-number-dialog",
    body: [
      h("p", null, t("currentNumber"), "：", numberCell("dep-number-current", d.hasNumber, d.maskedNumber)),
      numberEntry("dep-num", companyId, d.id, () => { dlg.close(); done(); }),
    ],
  });
}
