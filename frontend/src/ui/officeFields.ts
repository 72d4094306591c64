// The fields of M-1 企業情報設定, shared by the setup wizard's first step and the M-1 screen.

import { h } from "../h";
import { t, type Key } from "../i18n";
import { Form, input } from "./form";
import type { Office } from "../contract.gen";

export const officeKinds: { value: string; label: Key }[] = [
  { value: "sharoushi", label: "kindSharoushi" },
  { value: "zeirishi", label: "kindZeirishi" },
  { value: "employer", label: "kindEmployer" },
  { value: "other", label: "kindOther" },
];

export function emptyOffice(): Office {
  return { name: "", nameKana: "", kind: "sharoushi", corporateNumber: "", postalCode: "", address: "", phone: "", representative: "" };
}

/** officeFields adds the office inputs to form; read() returns the edited copy of o. */
export function officeFields(form: Form, o: Office): { el: HTMLElement; read(): Office } {
  const name = input("text", o.name, { autocomplete: "organization", autofocus: true });
  const kana = input("text", o.nameKana);
  const corp = input("text", o.corporateNumber, { inputmode: "numeric", maxlength: "20", class: "mono" });
  const postal = input("text", o.postalCode, { inputmode: "numeric", autocomplete: "postal-code", maxlength: "10" });
  const address = input("text", o.address, { autocomplete: "street-address" });
  const phone = input("tel", o.phone, { autocomplete: "tel" });
  const rep = input("text", o.representative);
  const radios = officeKinds.map((k) =>
    h("label", { class: "radio" },
      h("input", { type: "radio", name: `${form.testid}-kind`, value: k.value, checked: o.kind === k.value, testid: `office-kind-${k.value}` }),
      t(k.label)),
  );
  const kindGroup = h("div", { class: "radios", role: "radiogroup" }, radios);
  const el = h("div", { class: "grid2" },
    form.field("name", t("officeName"), name, { required: true, wide: true }),
    form.field("nameKana", t("nameKana"), kana, { wide: true }),
    form.field("kind", t("officeKind"), kindGroup, { required: true, wide: true }),
    form.field("corporateNumber", t("corporateNumber"), corp, { hint: t("corporateNumberOptional") }),
    form.field("representative", t("representative"), rep),
    form.field("postalCode", t("postalCode"), postal),
    form.field("phone", t("phone"), phone),
    form.field("address", t("address"), address, { wide: true }),
  );
  return {
    el,
    read: () => ({
      name: name.value.trim(),
      nameKana: kana.value.trim(),
      kind: (kindGroup.querySelector<HTMLInputElement>("input:checked")?.value) ?? "",
      corporateNumber: corp.value.trim(),
      postalCode: postal.value.trim(),
      address: address.value.trim(),
      phone: phone.value.trim(),
      representative: rep.value.trim(),
    }),
  };
}
