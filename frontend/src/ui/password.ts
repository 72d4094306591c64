// Password entry with the rules stated up front (8–128 characters, no composition rules,
// NIST SP 800-63B / OWASP ASVS) and a rough strength hint. Go decides; the hint only guides.

import { h } from "../h";
import { t } from "../i18n";

export interface PasswordPair {
  password: HTMLInputElement;
  confirm: HTMLInputElement;
  meter: HTMLElement;
  rules: HTMLElement;
  /** mismatch returns true when the two inputs differ. */
  mismatch(): boolean;
}

/** strength scores a password 0 (empty) … 4 (strong). It is a hint, not a rule. */
export function strength(pw: string): number {
  if (!pw) return 0;
  const n = [...pw].length;
  if (n < 8) return 1;
  let classes = 0;
  for (const re of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/]) if (re.test(pw)) classes++;
  const distinct = new Set(pw).size;
  if (distinct <= 3 || /^(.)\1+$/.test(pw) || /^(0123|1234|abcd|qwer|pass)/i.test(pw)) return 1;
  if (n >= 15 || (n >= 12 && classes >= 3)) return 4;
  if (n >= 12 || classes >= 3) return 3;
  return 2;
}

/** passwordPair makes a new-password input, its confirmation and the strength meter. */
export function passwordPair(prefix: string): PasswordPair {
  const password = h("input", { type: "password", autocomplete: "new-password", maxlength: "128", testid: `${prefix}-password` });
  const confirm = h("input", { type: "password", autocomplete: "new-password", maxlength: "128", testid: `${prefix}-confirm` });
  const bar = h("div", { class: "meter-bar" });
  const label = h("span", { class: "meter-label", testid: `${prefix}-strength` });
  const meter = h("div", { class: "meter", "aria-live": "polite" }, h("div", { class: "meter-track" }, bar), label);
  const names = ["", t("strengthWeak"), t("strengthFair"), t("strengthGood"), t("strengthStrong")];
  const update = () => {
    const s = strength(password.value);
    bar.style.width = `${s * 25}%`;
    bar.className = `meter-bar s${s}`;
    label.textContent = s ? `${t("strength")}: ${names[s]}` : "";
  };
  password.addEventListener("input", update);
  update();
  const rules = h("ul", { class: "rules", testid: `${prefix}-rules` },
    h("li", null, t("pwRuleLength")),
    h("li", null, t("pwRuleNoComposition")),
    h("li", null, t("pwRuleCommon")),
  );
  return { password, confirm, meter, rules, mismatch: () => password.value !== confirm.value };
}
