// First-run wizard: 1 the operating office (M-1), 2 the first administrator, 3 the
// administrator's second factor (enrol one, or — an office without devices — make factors
// optional with a recorded reason), 4 the Recovery Kit, which must be typed back before the
// wizard ends. The factor step comes before the kit is confirmed (Go confirms a kit only for a
// complete login), so the kit the user writes down is the one that stays valid.

import { h } from "../h";
import { ApiError, Session } from "../api";
import { t } from "../i18n";
import type { App } from "../app";
import type { Office, RecoveryKitView } from "../contract.gen";
import { Form, busy, input } from "../ui/form";
import { publicPage } from "../ui/layout";
import { emptyOffice, officeFields } from "../ui/officeFields";
import { passwordPair } from "../ui/password";
import { renderKit } from "../ui/kit";
import { Factors } from "../api_factors";
import { enrolForm, optionalForm } from "./factors";
import { renderRestoreBackup } from "./restoreBackup";
import { renderRestoreCloud } from "./restoreCloud";

// The wizard's progress survives re-renders (a language switch) but holds no password.
const wizard: {
  step: 1 | 2 | 3 | 4; office: Office; login: string; name: string; kit: RecoveryKitView | null; officeError: ApiError | null;
  /** restore: the user chose 「バックアップから復元」 or 「クラウドから復元」 instead of a new office. */
  restore: "" | "backup" | "cloud";
} = { step: 1, office: emptyOffice(), login: "", name: "", kit: null, officeError: null, restore: "" };

/** setupProgress is the wizard's place for the window title: "3/4 二要素認証". */
export function setupProgress(): string {
  const names = [t("setupStepOffice"), t("setupStepAdmin"), t("setupStepFactor"), t("setupStepKit")];
  return `${wizard.step}/4 ${names[wizard.step - 1]}`;
}

export function renderSetup(app: App): HTMLElement {
  app.setupActive = true;
  if (wizard.restore && wizard.step === 1) {
    const back = () => { wizard.restore = ""; app.render(); };
    return wizard.restore === "cloud" ? renderRestoreCloud(app, back) : renderRestoreBackup(app, back);
  }
  const steps = [t("setupStepOffice"), t("setupStepAdmin"), t("setupStepFactor"), t("setupStepKit")];
  const progress = h("ol", { class: "steps", testid: "setup-steps" },
    steps.map((s, i) => h("li", { class: i + 1 === wizard.step ? "current" : i + 1 < wizard.step ? "done" : "" },
      h("span", { class: "step-no" }, String(i + 1)), s)));
  let body: HTMLElement;
  if (wizard.step === 1) body = stepOffice(app);
  else if (wizard.step === 2) body = stepAdmin(app);
  else if (wizard.step === 3) body = stepFactor(app);
  else body = stepKit(app);
  return publicPage(app, "setup",
    h("div", { class: "card wide" },
      h("h1", null, t("setupTitle")),
      h("p", { class: "lead" }, t("setupLead")),
      progress,
      body));
}

function stepOffice(app: App): HTMLElement {
  const form = new Form("office");
  const fields = officeFields(form, wizard.office);
  if (wizard.officeError) {
    form.show(wizard.officeError);
    wizard.officeError = null;
  }
  return h("form", { testid: "setup-office", on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    wizard.office = fields.read();
    if (!wizard.office.name) {
      form.show({ code: "invalid", field: "name", ja: "事務所名を入力してください。", en: "Enter the office name." });
      return;
    }
    wizard.step = 2;
    app.render();
  } } },
    h("h2", null, t("setupStepOffice")),
    h("p", { class: "hint" }, t("setupOfficeHint")),
    form.banner,
    fields.el,
    h("div", { class: "actions" },
      h("button", { class: "secondary", type: "button", testid: "setup-restore", on: { click: () => {
        wizard.office = fields.read();
        wizard.restore = "backup";
        app.render();
      } } }, t("restoreFromBackup")),
      h("button", { class: "secondary", type: "button", testid: "setup-restore-cloud", on: { click: () => {
        wizard.office = fields.read();
        wizard.restore = "cloud";
        app.render();
      } } }, t("restoreFromCloud")),
      h("span", { class: "spacer" }),
      h("button", { class: "primary", type: "submit", testid: "setup-next" }, t("next"))));
}

function stepAdmin(app: App): HTMLElement {
  const form = new Form("admin");
  const login = input("text", wizard.login, { autocomplete: "username", autofocus: true, maxlength: "64" });
  const name = input("text", wizard.name, { autocomplete: "name" });
  const pw = passwordPair("admin");
  const submit = h("button", { class: "primary", type: "submit", testid: "setup-create" }, t("setupCreate"));
  const back = h("button", { class: "secondary", type: "button", on: { click: () => {
    wizard.login = login.value; wizard.name = name.value; wizard.step = 1; app.render();
  } } }, t("back"));
  return h("form", { testid: "setup-admin", on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    wizard.login = login.value.trim();
    wizard.name = name.value.trim();
    if (pw.mismatch()) {
      form.show({ code: "invalid", field: "confirm", ja: "確認用のパスワードが一致しません。", en: "The passwords do not match." });
      return;
    }
    void busy(submit, async () => {
      try {
        wizard.kit = await Session.Setup({
          office: wizard.office, adminLogin: wizard.login, adminName: wizard.name, password: pw.password.value,
        });
        // The office requires a second factor by default: its step comes next, unless this
        // login is already complete.
        const st = await Factors.Status();
        wizard.step = st.step === "enrol" ? 3 : 4;
        app.render();
      } catch (e) {
        const err = form.show(e);
        // Errors about the office send the user back to step 1 with the message in place.
        if (err.field && /^(office\.|name$|nameKana$|kind$|corporateNumber$|postalCode$|address$|phone$|representative$)/.test(err.field)) {
          wizard.officeError = err;
          wizard.step = 1;
          app.render();
        }
      }
    });
  } } },
    h("h2", null, t("setupStepAdmin")),
    h("p", { class: "hint" }, t("setupAdminHint")),
    form.banner,
    h("div", { class: "grid2" },
      form.field("login", t("loginId"), login, { required: true }),
      form.field("displayName", t("displayName"), name, { required: true }),
      form.field("password", t("password"), pw.password, { required: true, hint: pw.meter }),
      form.field("confirm", t("passwordConfirm"), pw.confirm, { required: true }),
    ),
    pw.rules,
    h("div", { class: "actions" }, back, submit));
}

function stepFactor(app: App): HTMLElement {
  if (!wizard.kit) {
    wizard.step = 1;
    return stepOffice(app);
  }
  const next = async () => {
    wizard.step = 4;
    app.render();
  };
  return h("div", { testid: "setup-factor" },
    h("h2", null, t("setupStepFactor")),
    h("p", { class: "hint" }, t("setupFactorHint")),
    enrolForm(next, "setup-enrol", true),
    optionalForm(next, "setup-optional"));
}

function stepKit(app: App): HTMLElement {
  if (!wizard.kit) {
    wizard.step = 1;
    return stepOffice(app);
  }
  return h("div", { testid: "setup-kit" },
    h("h2", null, t("setupStepKit")),
    h("p", { class: "hint" }, t("kitIntro")),
    renderKit(wizard.kit, () => {
      wizard.kit = null;
      wizard.step = 1;
      wizard.office = emptyOffice();
      wizard.login = wizard.name = "";
      app.setupActive = false;
      void app.refresh();
    }));
}
