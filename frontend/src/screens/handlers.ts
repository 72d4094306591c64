// 1-1 マイナンバー取扱者設定: per client company, who is 事務取扱責任者 and who are
// 事務取扱担当者. Candidates come from Go (every enabled user).

import { h, mount } from "../h";
import { Companies, Handlers } from "../api";
import { errText, t } from "../i18n";
import type { App } from "../app";
import type { HandlerAssignment, MenuItem, UserRef } from "../contract.gen";
import { Form, busy } from "../ui/form";
import { loading, screenHead } from "../ui/layout";

let selected = 0;

export function renderHandlers(app: App, item: MenuItem | undefined, content: HTMLElement): void {
  const head = screenHead(item, t("handlerSettings"));
  mount(content, head, loading());
  Companies.List(false).then(
    (cs) => {
      const companies = cs ?? [];
      if (!companies.some((c) => c.id === selected)) selected = 0;
      const pick = h("select", { testid: "handlers-company", on: { change: () => {
        selected = Number(pick.value);
        load();
      } } },
        h("option", { value: "0" }, t("chooseCompany")),
        companies.map((c) => h("option", { value: String(c.id), selected: c.id === selected }, c.name)));
      const area = h("div", { testid: "handlers-area" });
      const load = () => {
        if (!selected) {
          mount(area, h("p", { class: "empty" }, t("chooseCompanyFirst")));
          return;
        }
        mount(area, loading());
        Handlers.Get(selected).then((a) => mount(area, assignment(app, a)),
          (e) => mount(area, h("div", { class: "banner error", role: "alert" }, errText(e))));
      };
      mount(content, head,
        companies.length
          ? h("div", { class: "toolbar" }, h("label", { class: "inline" }, t("targetCompany"), pick))
          : h("p", { class: "empty", testid: "handlers-no-companies" }, t("noCompanies")),
        area);
      load();
    },
    (e) => mount(content, head, h("div", { class: "banner error", role: "alert" }, errText(e))),
  );
}

function checklist(kind: "manager" | "handler", candidates: UserRef[], chosen: UserRef[]): { el: HTMLElement; ids(): number[] } {
  const on = new Set(chosen.map((u) => u.id));
  const boxes = candidates.map((u) => ({
    id: u.id,
    box: h("input", { type: "checkbox", checked: on.has(u.id), testid: `${kind}-${u.login}` }),
    u,
  }));
  const el = h("fieldset", { class: "checklist", testid: `${kind}-list` },
    h("legend", null, kind === "manager" ? t("roleManager") : t("roleHandler")),
    boxes.length
      ? boxes.map((b) => h("label", { class: "check" }, b.box, b.u.displayName, h("span", { class: "mono muted" }, ` (${b.u.login})`)))
      : h("p", { class: "empty" }, t("noCandidates")));
  return { el, ids: () => boxes.filter((b) => b.box.checked).map((b) => b.id) };
}

function assignment(app: App, a: HandlerAssignment): HTMLElement {
  const candidates = a.candidates ?? [];
  // Keep anyone already assigned in the lists even if Go no longer offers them (disabled user).
  const all = [...candidates];
  for (const u of [...(a.managers ?? []), ...(a.handlers ?? [])]) if (!all.some((c) => c.id === u.id)) all.push(u);
  const managers = checklist("manager", all, a.managers ?? []);
  const handlers = checklist("handler", all, a.handlers ?? []);
  const form = new Form("handlers");
  const saved = h("div", { class: "banner success hidden", role: "status", testid: "handlers-saved" }, t("saved"));
  const save = h("button", { class: "primary", type: "submit", testid: "handlers-save" }, t("save"));
  return h("form", { class: "panel", testid: "handlers-form", on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    saved.classList.add("hidden");
    void busy(save, async () => {
      try {
        await Handlers.Set(a.companyId, managers.ids(), handlers.ids());
        saved.classList.remove("hidden");
        // A role of the user at the keyboard takes effect at once: 3-1 and 4-1 open or grey.
        app.refreshMenu();
      } catch (e) {
        form.show(e);
      }
    });
  } } },
    h("h2", null, a.companyName),
    h("p", { class: "hint" }, t("handlersHint")),
    saved, form.banner,
    h("div", { class: "two-lists" }, managers.el, handlers.el),
    h("div", { class: "actions" }, save));
}
