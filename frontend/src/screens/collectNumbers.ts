// 1-3 STEP3: the numbers of an employee and their dependents, registered in one call
// (RegisterNumbers) after the identity check. Each number is typed into a masked input (as in
// 1-2's employeeEdit.ts), read from it only to make the call, and every input is emptied as soon
// as Go has stored them: no number is kept in a variable, the list or the console. Go answers
// with masked numbers and the employee's status (登録済 once everyone has one).

import { h, mount } from "../h";
import { Employees, parseError } from "../api";
import { Collect } from "../api_collect";
import { errText, t } from "../i18n";
import type { CollectBoardRow, Employee } from "../contract.gen";
import { Form, busy } from "../ui/form";
import { loading } from "../ui/layout";
import { numberCell } from "./employeeEdit";
import { refusal, statusTag, type ColCtx } from "./collectShared";
import { openCardRead } from "./cardRead";
import { Code } from "../contract.gen";

/** openNumbers draws STEP3 for the employee of row in the tab body. */
export function openNumbers(ctx: ColCtx, row: CollectBoardRow, back: () => void): void {
  mount(ctx.body, loading());
  Employees.GetEmployee(ctx.company.id, row.employeeId).then(
    (emp) => drawNumbers(ctx, row, emp, back),
    (e) => mount(ctx.body, refusal(e), h("button", { class: "secondary", type: "button", on: { click: back } }, t("backToList"))),
  );
}

interface PersonInput {
  id: number;
  input: HTMLInputElement;
  current: HTMLElement;
}

function drawNumbers(ctx: ColCtx, row: CollectBoardRow, emp: Employee, back: () => void): void {
  const form = new Form("col-num");
  const persons = [
    { id: emp.id, label: `${t("colSelf")}：${emp.name}`, has: emp.hasNumber, masked: emp.maskedNumber },
    ...(emp.dependents ?? []).map((d) => ({ id: d.id, label: `${d.relationLabel || d.relation}：${d.name}`, has: d.hasNumber,
      masked: d.maskedNumber })),
  ];
  const accepted = new Set<number>();
  const status = h("span", { testid: "col-num-status" }, statusTag(ctx.rules, row.status));
  const saved = h("div", { class: "banner success hidden", role: "status", testid: "col-num-saved" });
  const inputs: PersonInput[] = [];
  const rows = persons.map((p, i) => {
    // Not kept by the browser: no autocomplete, no spelling dictionary, no autocorrection.
    const num = h("input", { type: "password", autocomplete: "off", inputmode: "numeric", spellcheck: "false",
      autocapitalize: "off", autocorrect: "off", maxlength: "40", class: "mono number-input", testid: `col-num-p${i}` });
    const show = h("button", { class: "secondary small", type: "button", testid: `col-num-p${i}-show`, "aria-pressed": "false" }, t("show"));
    show.addEventListener("click", () => {
      const visible = num.type === "password";
      num.type = visible ? "text" : "password";
      show.textContent = visible ? t("hide") : t("show");
      show.setAttribute("aria-pressed", String(visible));
      num.focus();
    });
    num.addEventListener("input", () => {
      accepted.delete(p.id);
      hideDup();
    });
    const current = h("span", { testid: `col-num-p${i}-current` }, numberCell(`col-num-p${i}-cell`, p.has, p.masked));
    inputs.push({ id: p.id, input: num, current });
    form.alias(`number:${p.id}`, `p${i}`);
    const field = form.field(`p${i}`, p.label, num, { hint: h("span", null, t("currentNumber"), "：", current) });
    const wrap = h("div", { class: "number-row" });
    num.replaceWith(wrap);
    // The front desk: the card on the reader does STEP2 and STEP3 for this person at once.
    const ic = h("button", { class: "secondary small", type: "button", testid: `col-num-p${i}-card` }, t("cardRead"));
    ic.addEventListener("click", () => openCardRead(ctx.company.id, p.id, p.label, (r) => {
      mount(current, numberCell(`col-num-p${i}-cell`, r.masked !== "", r.masked));
      mount(status, statusTag(ctx.rules, r.status));
    }));
    wrap.append(num, show, ic);
    return field;
  });

  const dupText = h("div", { testid: "col-num-duplicate-text" });
  const accept = h("button", { class: "primary small", type: "button", testid: "col-num-accept" }, t("confirmAndRegister"));
  const dismiss = h("button", { class: "secondary small", type: "button", testid: "col-num-dismiss" }, t("cancel"));
  const dup = h("div", { class: "banner warn hidden", role: "alert", testid: "col-num-duplicate" },
    dupText, h("p", { class: "hint" }, t("duplicateHint")), h("div", { class: "ops" }, dismiss, accept));
  let dupPerson = 0;
  function hideDup(): void {
    dup.classList.add("hidden");
    dupText.textContent = "";
    dupPerson = 0;
  }
  const submit = h("button", { class: "primary", type: "submit", testid: "col-num-save" }, t("colNumbersSave"));

  const send = (button: HTMLButtonElement) => {
    form.clear();
    saved.classList.add("hidden");
    const numbers = inputs.filter((p) => p.input.value.trim() !== "").map((p) => ({ personId: p.id, number: p.input.value }));
    if (!numbers.length) {
      form.message(t("colNumbersNone"));
      return;
    }
    void busy(button, async () => {
      try {
        const res = await Collect.RegisterNumbers({ companyId: ctx.company.id, employeeId: emp.id, numbers,
          acceptDuplicates: [...accepted] });
        numbers.length = 0;
        for (const p of inputs) {
          p.input.value = "";
          p.input.type = "password";
          const masked = res.masked?.[String(p.id)] ?? "";
          const i = inputs.indexOf(p);
          mount(p.current, numberCell(`col-num-p${i}-cell`, masked !== "", masked));
        }
        accepted.clear();
        hideDup();
        mount(status, statusTag(ctx.rules, res.status));
        saved.textContent = [t("colNumbersSaved").replace("{n}", String(res.changed)),
          res.missing ? t("colNumbersMissing").replace("{n}", String(res.missing)) : t("colNumbersComplete")].join(" ");
        saved.classList.remove("hidden");
      } catch (e) {
        numbers.length = 0;
        const err = parseError(e);
        if (err.code === Code.DuplicateNumber && err.field?.startsWith("number:")) {
          dupPerson = Number(err.field.slice("number:".length));
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
  accept.addEventListener("click", () => {
    if (dupPerson) accepted.add(dupPerson);
    send(accept);
  });
  dismiss.addEventListener("click", () => {
    const p = inputs.find((x) => x.id === dupPerson);
    hideDup();
    if (p) {
      p.input.value = "";
      p.input.focus();
    }
  });

  mount(ctx.body,
    h("form", { class: "panel wide-panel number-entry", testid: "col-num-form", autocomplete: "off", on: { submit: (ev: Event) => {
      ev.preventDefault();
      hideDup();
      send(submit);
    } } },
      h("h2", null, t("colNumbersTitle")),
      h("p", { class: "company-line" }, h("span", { class: "mono muted" }, row.code), h("strong", null, row.name), status),
      h("p", { class: "hint" }, t("colNumbersLead")),
      form.banner, saved,
      rows,
      dup,
      h("div", { class: "actions" },
        h("button", { class: "secondary", type: "button", testid: "col-back", on: { click: back } }, t("backToList")),
        h("span", { class: "spacer" }), submit)));
  inputs[0]?.input.focus();
}
