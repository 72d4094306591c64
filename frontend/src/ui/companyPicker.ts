// The 対象企業 chooser of the screens that work on one client company at a time (1-2, 1-3,
// 3-1, 4-1): a select of the companies the user is assigned to (or a line saying there are
// none), and the area the chosen company's screen is drawn in. Test ids are
// `<prefix>-company`, `<prefix>-area`, `<prefix>-choose` and `<prefix>-no-companies`.

import { h, mount } from "../h";
import { t } from "../i18n";
import type { Company } from "../contract.gen";

export interface CompanyPicker {
  /** toolbar holds the select, or the "no assigned companies" line. */
  toolbar: HTMLElement;
  /** area is where the chosen company's screen goes. */
  area: HTMLElement;
  /** start draws the selected company, or asks for one; nothing when there are no companies. */
  start: () => void;
}

export interface CompanyPickerOptions {
  /** prefix of the test ids, e.g. "emp". */
  prefix: string;
  /** selected is the company chosen before (0 for none). */
  selected: number;
  /** onChange lets the screen reset its own state when the user picks another company. */
  onChange: (id: number) => void;
  /** open draws the screen of company in area. */
  open: (company: Company, area: HTMLElement) => void;
}

export function companyPicker(companies: Company[], o: CompanyPickerOptions): CompanyPicker {
  let current = o.selected;
  const area = h("div", { testid: `${o.prefix}-area` });
  const open = () => {
    const c = companies.find((x) => x.id === current);
    if (!c) {
      mount(area, h("p", { class: "empty", testid: `${o.prefix}-choose` }, t("chooseCompanyFirst")));
      return;
    }
    o.open(c, area);
  };
  const choose: HTMLSelectElement = h("select", { testid: `${o.prefix}-company`, on: { change: () => {
    current = Number(choose.value);
    o.onChange(current);
    open();
  } } },
    h("option", { value: "0" }, t("chooseCompany")),
    companies.map((c) => h("option", { value: String(c.id), selected: c.id === current }, c.name)));
  const toolbar = companies.length
    ? h("div", { class: "toolbar" }, h("label", { class: "inline" }, t("targetCompany"), choose))
    : h("p", { class: "empty", testid: `${o.prefix}-no-companies` }, t("noAssignedCompanies"));
  return { toolbar, area, start: () => { if (companies.length) open(); } };
}
