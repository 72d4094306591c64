// M-2 ユーザー設定: login users, who are later named 事務取扱責任者 / 事務取扱担当者 per client.
// A new user and a password reset both produce a temporary password that is shown once.

import { h, mount } from "../h";
import { Users } from "../api";
import { errText, t } from "../i18n";
import { dateTime } from "../format";
import type { App } from "../app";
import type { MenuItem, TemporaryPassword, User, UserInput } from "../contract.gen";
import { openDialog } from "../ui/dialog";
import { confirmDialog } from "../ui/confirm";
import { Form, busy, input } from "../ui/form";
import { loading, screenHead } from "../ui/layout";

export function renderUsers(app: App, item: MenuItem | undefined, content: HTMLElement): void {
  const reload = () => renderUsers(app, item, content);
  const head = screenHead(item, t("userSettings"));
  mount(content, head, loading());
  Users.List().then(
    (users) => {
      const add = h("button", { class: "primary", type: "button", testid: "user-add", on: { click: () => editUser(null, reload) } }, t("userAdd"));
      mount(content, head,
        h("div", { class: "toolbar" }, add),
        h("table", { class: "grid", testid: "users-table" },
          h("thead", null, h("tr", null,
            h("th", null, t("loginId")), h("th", null, t("displayName")), h("th", null, t("admin")),
            h("th", null, t("status")), h("th", null, t("lastLogin")), h("th", null, t("roles")), h("th", null, t("operations")))),
          h("tbody", null, (users ?? []).map((u) => userRow(app, u, reload)))));
    },
    (e) => mount(content, head, h("div", { class: "banner error", role: "alert" }, errText(e))),
  );
}

function statusTags(u: User): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (u.disabled) out.push(h("span", { class: "tag muted" }, t("stateDisabled")));
  else if (u.locked) out.push(h("span", { class: "tag warn" }, t("stateLocked")));
  else out.push(h("span", { class: "tag ok" }, t("stateActive")));
  if (u.mustChangePassword) out.push(h("span", { class: "tag info" }, t("statePasswordPending")));
  return out;
}

function userRow(app: App, u: User, reload: () => void): HTMLElement {
  const self = app.state?.user?.id === u.id;
  const roles = (u.roles ?? []).map((r) =>
    h("div", { class: "role" }, r.companyName, "：", r.role === "manager" ? t("roleManager") : t("roleHandler")));
  const ops = h("div", { class: "ops" },
    h("button", { class: "small secondary", type: "button", testid: `user-edit-${u.login}`, on: { click: () => editUser(u, reload) } }, t("edit")),
    self ? null : u.disabled
      ? h("button", { class: "small secondary", type: "button", testid: `user-enable-${u.login}`, on: { click: async () => {
          try { await Users.SetDisabled(u.id, false); reload(); } catch (e) { alertError(e); }
        } } }, t("enable"))
      : h("button", { class: "small secondary", type: "button", testid: `user-disable-${u.login}`, on: { click: () =>
          confirmDialog({
            title: t("disableUser"), message: t("disableUserConfirm").replace("{name}", u.displayName),
            confirm: t("disable"), danger: true, testid: "disable-confirm",
            action: async () => { await Users.SetDisabled(u.id, true); reload(); },
          }) } }, t("disable")),
    self ? null : h("button", { class: "small secondary", type: "button", testid: `user-reset-${u.login}`, on: { click: () =>
      confirmDialog({
        title: t("resetPassword"), message: t("resetPasswordConfirm").replace("{name}", u.displayName),
        confirm: t("resetPassword"), testid: "reset-confirm",
        action: async () => { const tp = await Users.ResetPassword(u.id); reload(); showTemporary(tp); },
      }) } }, t("resetPassword")),
    u.locked && !u.disabled
      ? h("button", { class: "small secondary", type: "button", testid: `user-unlock-${u.login}`, on: { click: async () => {
          try { await Users.Unlock(u.id); reload(); } catch (e) { alertError(e); }
        } } }, t("unlockUser"))
      : null,
  );
  return h("tr", { testid: `user-row-${u.login}`, class: u.disabled ? "muted" : "" },
    h("td", { class: "mono" }, u.login),
    h("td", null, u.displayName),
    h("td", null, u.isAdmin ? "✓" : ""),
    h("td", { testid: `user-state-${u.login}` }, statusTags(u)),
    h("td", { class: "nowrap" }, dateTime(u.lastIn)),
    h("td", null, roles.length ? roles : "—"),
    h("td", null, ops));
}

function alertError(e: unknown): void {
  const d = openDialog({ title: t("error"), testid: "error-dialog", body: h("p", { role: "alert" }, errText(e)),
    actions: [h("button", { class: "primary", type: "button", on: { click: () => d.close() } }, t("close"))] });
}

function editUser(u: User | null, reload: () => void): void {
  const form = new Form("user");
  const login = input("text", u?.login ?? "", { autocomplete: "off", maxlength: "64" });
  const name = input("text", u?.displayName ?? "", { autocomplete: "off" });
  const email = input("email", u?.email ?? "", { autocomplete: "off" });
  const admin = h("input", { type: "checkbox", checked: u?.isAdmin ?? false, testid: "user-admin-check" });
  const save = h("button", { class: "primary", type: "submit", testid: "user-save" }, u ? t("save") : t("userCreate"));
  const body = h("form", { id: "user-form", testid: "user-form", on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    const inp: UserInput = { id: u?.id ?? 0, login: login.value.trim(), displayName: name.value.trim(), email: email.value.trim(), isAdmin: admin.checked };
    void busy(save, async () => {
      try {
        if (u) {
          await Users.Update(inp);
          d.close();
          reload();
        } else {
          const tp = await Users.Create(inp);
          d.close();
          reload();
          showTemporary(tp);
        }
      } catch (e) {
        form.show(e);
      }
    });
  } } },
    form.banner,
    form.field("login", t("loginId"), login, { required: true }),
    form.field("displayName", t("displayName"), name, { required: true }),
    form.field("email", t("email"), email),
    form.field("isAdmin", t("admin"), h("label", { class: "check" }, admin, t("isAdminLabel"))),
    u ? null : h("p", { class: "hint" }, t("userCreateHint")));
  save.setAttribute("form", "user-form");
  const d = openDialog({
    title: u ? t("userEdit") : t("userAdd"),
    testid: "user-dialog",
    body,
    actions: [h("button", { class: "secondary", type: "button", on: { click: () => d.close() } }, t("cancel")), save],
  });
  login.focus();
}

/** showTemporary shows a temporary password exactly once; it is not kept anywhere else. */
function showTemporary(tp: TemporaryPassword): void {
  const d = openDialog({
    title: t("temporaryPassword"),
    testid: "temp-password-dialog",
    sticky: true,
    body: [
      h("p", null, t("temporaryPasswordLead").replace("{name}", tp.user.displayName).replace("{login}", tp.user.login)),
      h("div", { class: "secret mono", testid: "temp-password", translate: "no" }, tp.password),
      h("p", { class: "hint" }, t("expiresAt"), ": ", h("span", { testid: "temp-expires" }, dateTime(tp.expiresAt))),
      h("p", { class: "hint" }, t("temporaryPasswordOnce")),
    ],
    actions: [h("button", { class: "primary", type: "button", testid: "temp-password-done", on: { click: () => d.close() } }, t("noted"))],
  });
}
