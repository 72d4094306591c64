// M-3 契約企業情報 照会・設定: the client companies whose My Number work is entrusted to the
// office. 法人番号 is checked by Go (check digit); its error is shown next to the field.

import { h, mount } from "../h";
import { Companies } from "../api";
import { errText, t } from "../i18n";
import type { App } from "../app";
import type { Company, MenuItem } from "../contract.gen";
import { Form, busy, input } from "../ui/form";
import { loading, screenHead } from "../ui/layout";
import { Pager, listState, pageRows, readingKey, sortHead, sortRows, type SortKeys } from "../ui/listView";

// The list's options, sort and page survive moving between screens (in memory, for the session).
let showArchived = false;
const list = { owner: 0, state: listState() };

// Companies arrive whole from Go; they sort and page here.
const sortKeys: SortKeys<Company> = {
  code: (c) => c.code,
  name: (c) => readingKey(c.name, c.nameKana),
  period: (c) => c.consignFrom || c.consignTo,
  managers: (c) => c.managers,
  handlers: (c) => c.handlers,
};

export function renderCompanies(app: App, item: MenuItem | undefined, content: HTMLElement): void {
  const head = screenHead(item, t("companySettings"));
  const again = () => renderCompanies(app, item, content);
  const me = app.state?.user?.id ?? 0;
  if (list.owner !== me) {
    list.owner = me;
    list.state = listState();
  }
  const st = list.state;
  mount(content, head, loading());
  Companies.List(showArchived).then(
    (cs) => {
      const archived = h("input", { type: "checkbox", checked: showArchived, testid: "companies-archived", on: { change: () => {
        showArchived = archived.checked;
        st.offset = 0;
        again();
      } } });
      const all = cs ?? [];
      const tbody = h("tbody", { testid: "companies-rows" });
      const table = h("table", { class: "grid", testid: "companies-table" });
      const draw = () => {
        const page = pageRows(sortRows(all, st, sortKeys), st);
        table.replaceChildren(sortHead("companies", [
          { label: t("companyCode"), key: "code" }, { label: t("companyName"), key: "name" },
          { label: t("corporateNumber") }, { label: t("consignPeriod"), key: "period" },
          { label: t("managersCount"), key: "managers", class: "num" }, { label: t("handlersCount"), key: "handlers", class: "num" },
          { label: t("operations") }], st, draw), tbody);
        tbody.replaceChildren(...page.map(row));
        pager.update(all.length, page.length);
      };
      const pager = new Pager("companies", st, draw);
      const row = (c: Company) =>
        h("tr", { testid: `company-row-${c.id}`, class: c.archived ? "muted" : "" },
          h("td", { class: "mono" }, c.code),
          h("td", { class: "company-name" }, c.name, c.archived ? h("span", { class: "tag muted" }, t("archived")) : null),
          h("td", { class: "mono" }, c.corporateNumber || "—"),
          h("td", { class: "nowrap" }, period(c)),
          h("td", { class: "num" }, String(c.managers)),
          h("td", { class: "num" }, String(c.handlers)),
          h("td", null, h("button", { class: "small secondary", type: "button", testid: `company-edit-${c.id}`,
            on: { click: () => editCompany(content, head, c, [], again) } }, t("edit"))));
      mount(content, head,
        h("div", { class: "toolbar" },
          h("button", { class: "primary", type: "button", testid: "company-add", on: { click: () => editCompany(content, head, null, all, again) } }, t("companyAdd")),
          h("label", { class: "check" }, archived, t("showArchived")), all.length ? pager.count : null),
        all.length ? [table, pager.el] : h("p", { class: "empty", testid: "companies-empty" }, t("noCompanies")));
      if (all.length) draw();
    },
    (e) => mount(content, head, h("div", { class: "banner error", role: "alert" }, errText(e))),
  );
}

function period(c: Company): string {
  if (!c.consignFrom && !c.consignTo) return "—";
  return `${c.consignFrom || "…"} 〜 ${c.consignTo || "…"}`;
}

function blank(): Company {
  return { id: 0, code: "", name: "", nameKana: "", corporateNumber: "", postalCode: "", address: "", phone: "",
    representative: "", consignFrom: "", consignTo: "", note: "", archived: false, managers: 0, handlers: 0 };
}

/** nextCode suggests the first free code of the form C001, C002, … */
function nextCode(existing: Company[]): string {
  const used = new Set(existing.map((c) => c.code.toUpperCase()));
  for (let i = 1; ; i++) {
    const code = "C" + String(i).padStart(3, "0");
    if (!used.has(code)) return code;
  }
}

function editCompany(content: HTMLElement, head: HTMLElement, c: Company | null, existing: Company[], back: () => void): void {
  const cur = c ?? { ...blank(), code: nextCode(existing) };
  const form = new Form("company");
  const code = input("text", cur.code, { maxlength: "20", class: "mono", autocomplete: "off" });
  const name = input("text", cur.name, { autofocus: true });
  const kana = input("text", cur.nameKana);
  const corp = input("text", cur.corporateNumber, { inputmode: "numeric", maxlength: "20", class: "mono" });
  const rep = input("text", cur.representative);
  const postal = input("text", cur.postalCode, { inputmode: "numeric", maxlength: "10" });
  const phone = input("tel", cur.phone);
  const address = input("text", cur.address);
  const from = input("date", cur.consignFrom);
  const to = input("date", cur.consignTo);
  const note = h("textarea", { rows: "3" });
  note.value = cur.note;
  const archived = h("input", { type: "checkbox", checked: cur.archived, testid: "company-archived-check" });
  const save = h("button", { class: "primary", type: "submit", testid: "company-save" }, t("save"));
  mount(content, head,
    h("form", { class: "panel", testid: "company-form", on: { submit: (ev: Event) => {
      ev.preventDefault();
      form.clear();
      const next: Company = {
        ...cur,
        code: code.value.trim(), name: name.value.trim(), nameKana: kana.value.trim(),
        corporateNumber: corp.value.trim(), representative: rep.value.trim(), postalCode: postal.value.trim(),
        phone: phone.value.trim(), address: address.value.trim(), consignFrom: from.value, consignTo: to.value,
        note: note.value, archived: archived.checked,
      };
      if (next.consignFrom && next.consignTo && next.consignFrom > next.consignTo) {
        form.show({ code: "invalid", field: "consignTo", ja: "委託期間の終了日は開始日以降にしてください。", en: "The end date must not be before the start date." });
        return;
      }
      void busy(save, async () => {
        try {
          if (c) await Companies.Update(next);
          else await Companies.Create(next);
          back();
        } catch (e) {
          form.show(e);
        }
      });
    } } },
      h("h2", null, c ? t("companyEdit") : t("companyAdd")),
      form.banner,
      h("div", { class: "grid2" },
        form.field("code", t("companyCode"), code, { required: true, hint: t("companyCodeHint") }),
        form.field("corporateNumber", t("corporateNumber"), corp, { hint: t("corporateNumberHint") }),
        form.field("name", t("companyName"), name, { required: true, wide: true }),
        form.field("nameKana", t("nameKana"), kana, { wide: true }),
        form.field("representative", t("representative"), rep),
        form.field("phone", t("phone"), phone),
        form.field("postalCode", t("postalCode"), postal),
        form.field("address", t("address"), address),
        form.field("consignFrom", t("consignFrom"), from),
        form.field("consignTo", t("consignTo"), to),
        form.field("note", t("note"), note, { wide: true }),
        c ? form.field("archived", t("archived"), h("label", { class: "check" }, archived, t("archivedLabel")), { wide: true }) : null),
      h("div", { class: "actions" },
        h("button", { class: "secondary", type: "button", testid: "company-cancel", on: { click: back } }, t("cancel")),
        save)));
  name.focus();
}
