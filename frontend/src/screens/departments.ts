// 1-2, 部署: the department tree of one company. Add, rename, move (change the parent) and
// delete; Go refuses a cycle, a duplicate name among siblings, or deleting a department that
// still has sub-departments or employees, and its message is shown next to the field.

import { h, mount } from "../h";
import { Employees } from "../api";
import { t } from "../i18n";
import type { Department } from "../contract.gen";
import { confirmDialog } from "../ui/confirm";
import { openDialog } from "../ui/dialog";
import { Form, busy, input } from "../ui/form";
import type { Ctx } from "./employees";

/** departmentOptions lists the tree as <option>s, indented by depth. */
export function departmentOptions(depts: Department[], selected: number, skip = 0): HTMLOptionElement[] {
  return depts.filter((d) => d.id !== skip).map((d) =>
    h("option", { value: String(d.id), selected: d.id === selected }, "\u3000".repeat(d.depth) + d.name));
}

export function renderDepartments(ctx: Ctx): void {
  const companyId = ctx.company.id;
  const redraw = () => ctx.show("departments");
  const form = new Form("dept");
  const name = input("text", "", { maxlength: "64", autocomplete: "off" });
  const code = input("text", "", { maxlength: "20", autocomplete: "off", class: "mono" });
  const parent = h("select", null, h("option", { value: "0" }, t("topLevel")), departmentOptions(ctx.depts, 0));
  const add = h("button", { class: "primary", type: "submit", testid: "dept-add" }, t("departmentAdd"));
  const addForm = h("form", { class: "panel", testid: "dept-form", on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    void busy(add, async () => {
      try {
        await Employees.SaveDepartment({ id: 0, companyId, parentId: Number(parent.value), code: code.value.trim(),
          name: name.value.trim(), depth: 0, path: "", employees: 0, children: 0 });
        redraw();
      } catch (e) {
        form.show(e);
      }
    });
  } } },
    h("h2", null, t("departmentAdd")),
    form.banner,
    h("div", { class: "grid3" },
      form.field("name", t("departmentName"), name, { required: true }),
      form.field("parentId", t("parentDepartment"), parent),
      form.field("code", t("departmentCode"), code, { hint: t("departmentCodeHint") })),
    h("div", { class: "actions" }, add));

  const tree = ctx.depts.length
    ? h("ul", { class: "dept-tree", testid: "dept-tree" }, ctx.depts.map((d) =>
        h("li", { class: "dept", testid: `dept-${d.code}`, style: `padding-left: ${0.4 + d.depth * 1.6}rem` },
          h("span", { class: "dept-name", testid: `dept-name-${d.code}` }, d.depth ? "└ " : "", d.name),
          h("span", { class: "tag muted mono" }, d.code),
          h("span", { class: "muted dept-count" }, t("peopleCount").replace("{n}", String(d.employees))),
          h("span", { class: "ops" },
            h("button", { class: "small secondary", type: "button", testid: `dept-edit-${d.code}`,
              on: { click: () => editDepartment(ctx, d, redraw) } }, t("renameMove")),
            h("button", { class: "small secondary", type: "button", testid: `dept-delete-${d.code}`, on: { click: () =>
              confirmDialog({
                title: t("departmentDelete"), message: t("departmentDeleteConfirm").replace("{name}", d.path),
                confirm: t("delete"), danger: true, testid: "dept-delete-confirm",
                action: async () => { await Employees.DeleteDepartment(companyId, d.id); redraw(); },
              }) } }, t("delete"))))))
    : h("p", { class: "empty", testid: "dept-empty" }, t("noDepartments"));
  mount(ctx.body, h("div", { class: "dept-layout" }, h("section", { class: "panel" }, h("h2", null, t("departmentTree")), tree), addForm));
}

/** editDepartment renames a department, changes its code, or moves it under another parent. */
function editDepartment(ctx: Ctx, d: Department, done: () => void): void {
  const form = new Form("dept-edit");
  const name = input("text", d.name, { maxlength: "64", autocomplete: "off" });
  const code = input("text", d.code, { maxlength: "20", autocomplete: "off", class: "mono" });
  // Every other department is offered; Go refuses moving a department under its own subtree.
  const parent = h("select", null, h("option", { value: "0", selected: d.parentId === 0 }, t("topLevel")),
    departmentOptions(ctx.depts, d.parentId, d.id));
  const save = h("button", { class: "primary", type: "submit", testid: "dept-edit-save", form: "dept-edit-form" }, t("save"));
  const body = h("form", { id: "dept-edit-form", testid: "dept-edit-form", on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    void busy(save, async () => {
      try {
        await Employees.SaveDepartment({ ...d, name: name.value.trim(), code: code.value.trim(), parentId: Number(parent.value) });
        dlg.close();
        done();
      } catch (e) {
        form.show(e);
      }
    });
  } } },
    form.banner,
    form.field("name", t("departmentName"), name, { required: true }),
    form.field("parentId", t("parentDepartment"), parent),
    form.field("code", t("departmentCode"), code));
  const dlg = openDialog({
    title: t("departmentEdit"), testid: "dept-edit-dialog", body,
    actions: [h("button", { class: "secondary", type: "button", on: { click: () => dlg.close() } }, t("cancel")), save],
  });
  name.focus();
}
