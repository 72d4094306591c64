// 二要素認証: the login's second step (or enrolment when the office requires a factor), the
// factor unlock on the lock screen, and the 二要素認証 screen (opened from the header): my
// factors with add / remove, and for administrators the policy, the JPKI trust anchors and
// every user's factors. Every decision is Go's; PINs and passwords are only passed to a call.

import { h, mount } from "../h";
import { Factors } from "../api_factors";
import { t } from "../i18n";
import { dateTime } from "../format";
import type { App } from "../app";
import type { FactorStatus, FactorView } from "../contract.gen";
import type { FactorKind } from "../types_factors";
import { openDialog } from "../ui/dialog";
import { Form, busy, input } from "../ui/form";
import { devicePart, factorPicker, kindLabel, showFactorError } from "../ui/stepUp";
import { Code } from "../contract.gen";

/** showFactorStep draws the login's pending step (factor or enrolment) into card and returns
 *  true, or returns false when the session has no pending step. */
export async function showFactorStep(app: App, card: HTMLElement): Promise<boolean> {
  let st: FactorStatus;
  try {
    st = await Factors.Status();
  } catch {
    return false;
  }
  if (st.step === "factor") {
    mount(card, loginStep(app, st.factors ?? []));
    return true;
  }
  if (st.step === "enrol") {
    mount(card, h("h1", null, t("faEnrolStep")), h("p", { class: "lead" }, t("faEnrolLead")),
      enrolForm(async () => app.refresh(), "enrol", true),
      st.isAdmin ? makeOptional(app) : null,
      otherAccount(app));
    // The login form that had the keyboard is gone: give it to the step's first control.
    card.querySelector<HTMLElement>("[autofocus]")?.focus();
    return true;
  }
  return false;
}

/** makeOptional lets an administrator of an office without readers or a vein sensor finish the
 *  login by making the second factor optional, with a reason (Go records both in the history). */
function makeOptional(app: App): HTMLElement {
  return optionalForm(async () => app.refresh(), "factor-optional");
}

/** optionalForm is the administrator's "no reader or sensor here" choice at the enrolment step:
 *  a reason (required, recorded in the history) and a button; done runs after Go accepted it. */
export function optionalForm(done: () => Promise<void>, prefix: string): HTMLElement {
  const form = new Form(prefix);
  const reason = input("text", "", { maxlength: "200", testid: `${prefix}-reason`, placeholder: t("faOptionalReasonExample") });
  const submit = h("button", { class: "secondary", type: "submit", testid: `${prefix}-submit` }, t("faMakeOptional"));
  return h("form", { class: "factor-optional", testid: `${prefix}-form`, on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    void busy(submit, async () => {
      try {
        await Factors.SetPolicy("optional", reason.value.trim());
        await done();
      } catch (e) {
        form.show(e);
      }
    });
  } } },
    h("h3", null, t("faNoDevicesTitle")),
    h("p", { class: "hint" }, t("faNoDevices")),
    form.banner,
    form.field("reason", t("faOptionalReason"), reason, { required: true }),
    h("div", { class: "ops" }, submit));
}

function otherAccount(app: App): HTMLElement {
  return h("div", { class: "below" },
    h("button", { class: "link", type: "button", testid: "factor-other-account", on: { click: () => app.logout() } }, t("faOtherAccount")));
}

function loginStep(app: App, factors: FactorView[]): HTMLElement {
  const form = new Form("factor-login");
  const picker = factorPicker(form, "factor-login", factors);
  const submit = h("button", { class: "primary block", type: "submit", testid: "factor-login-submit" }, t("faLoginDo"));
  return h("div", { testid: "factor-step" },
    h("h1", null, t("faLoginStep")),
    h("p", { class: "lead" }, t("faLoginLead")),
    h("form", { testid: "factor-login-form", on: { submit: (ev: Event) => {
      ev.preventDefault();
      form.clear();
      void busy(submit, async () => {
        try {
          const s = await Factors.Login(picker.take());
          app.screen = "";
          if (s.loggedIn) app.adopt(s);
          else await app.refresh();
        } catch (e) {
          const err = showFactorError(form, picker, e);
          if (err.code === Code.Unauthenticated || err.code === Code.SessionExpired || err.code === Code.Locked) await app.refresh();
        }
      });
    } } }, form.banner, picker.el, submit),
    otherAccount(app));
}

/** unlockByFactor is the lock screen's factor part, or null when the session cannot be
 *  unlocked by a factor alone (the password form stays either way). */
export function unlockByFactor(app: App, slot: HTMLElement): void {
  void Factors.Status().then((st) => {
    const factors = st.factors ?? [];
    if (!st.unlockByFactor || factors.length === 0) return;
    const form = new Form("factor-unlock");
    const picker = factorPicker(form, "factor-unlock", factors);
    const submit = h("button", { class: "primary block", type: "submit", testid: "factor-unlock-submit" }, t("faUnlockBy"));
    mount(slot, h("form", { testid: "factor-unlock-form", on: { submit: (ev: Event) => {
      ev.preventDefault();
      form.clear();
      void busy(submit, async () => {
        try {
          await Factors.Unlock(picker.take());
          await app.refresh();
        } catch (e) {
          const err = showFactorError(form, picker, e);
          if (err.code === Code.SessionExpired || err.code === Code.Unauthenticated) await app.refresh();
        }
      });
    } } }, form.banner, picker.el, submit), h("p", { class: "or-line" }, t("faUnlockOr")));
  }, () => undefined);
}

/** enrolForm adds a factor for the logged-in user and calls done afterwards; focus puts the
 *  keyboard on its first control when the screen opens. */
export function enrolForm(done: () => Promise<void>, prefix: string, focus = false): HTMLElement {
  const form = new Form(prefix);
  const kinds: FactorKind[] = ["card", "jpki", "vein"];
  const kind = h("select", { testid: `${prefix}-kind`, autofocus: focus }, kinds.map((k) => h("option", { value: k }, kindLabel(k))));
  const label = input("text", "", { maxlength: "40", testid: `${prefix}-label` });
  const password = input("password", "", { autocomplete: "current-password", maxlength: "128", testid: `${prefix}-password` });
  const dev = devicePart(form, prefix);
  dev.setKind(kind.value);
  kind.addEventListener("change", () => dev.setKind(kind.value));
  const submit = h("button", { class: "primary", type: "submit", testid: `${prefix}-submit` }, t("faEnrol"));
  return h("form", { class: "factor-enrol", testid: `${prefix}-form`, on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    void busy(submit, async () => {
      const pw = password.value;
      password.value = "";
      try {
        await Factors.Enrol({ kind: kind.value as FactorKind, label: label.value.trim(), password: pw, ...dev.take() });
        label.value = "";
        await done();
      } catch (e) {
        showFactorError(form, dev, e);
      }
    });
  } } },
    form.banner,
    form.field("kind", t("faKind"), kind),
    form.field("label", t("faLabel"), label),
    dev.el,
    form.field("password", t("faPassword"), password),
    h("div", { class: "ops" }, submit));
}

/** factorsButton is the header button that opens the 二要素認証 screen. */
export function factorsButton(app: App): HTMLElement {
  return h("button", { class: "secondary small", type: "button", testid: "factors-button", on: { click: () => openFactors(app) } }, t("faOpen"));
}

/** openFactors shows the 二要素認証 screen. */
export function openFactors(app: App): void {
  const body = h("div", { class: "factors", testid: "factors-screen" });
  const d = openDialog({ title: t("faTitle"), testid: "factors-dialog", body,
    actions: [h("button", { class: "secondary", type: "button", testid: "factors-close", on: { click: () => d.close() } }, t("close"))] });
  const draw = async () => {
    const banner = new Form("factors");
    let st: FactorStatus;
    try {
      st = await Factors.Status();
    } catch (e) {
      banner.show(e);
      mount(body, banner.banner);
      return;
    }
    const notice = h("div", { class: "banner success hidden", role: "status", testid: "factors-notice" });
    const say = (text: string) => {
      notice.textContent = text;
      notice.classList.remove("hidden");
    };
    mount(body,
      h("p", { class: "lead" }, t("faLead")),
      notice,
      banner.banner,
      h("h3", null, t("faMine")),
      factorTable(st.factors ?? [], "factors-mine", (f) => confirmRemove(f, async () => { await draw(); say(t("faRemoved")); })),
      h("h3", null, t("faAdd")),
      enrolForm(async () => { await draw(); say(t("faEnrolled")); }, "factors-add"),
      app.state?.user?.isAdmin ? adminPart(draw) : null);
  };
  void draw();
}

function factorTable(factors: FactorView[], testid: string, remove: (f: FactorView) => void): HTMLElement {
  if (factors.length === 0) return h("p", { class: "hint", testid: `${testid}-none` }, t("faNone"));
  return h("table", { class: "grid", testid },
    h("thead", null, h("tr", null, h("th", null, t("faKind")), h("th", null, t("faLabel")), h("th", null, t("faCreated")),
      h("th", null, t("faLastUsed")), h("th", null, t("operations")))),
    h("tbody", null, factors.map((f) => h("tr", { testid: `${testid}-row-${f.id}` },
      h("td", null, kindLabel(f.kind), f.sensor ? ` (${f.sensor})` : "", f.fingerprint ? ` SHA-256 ${f.fingerprint}…` : ""),
      h("td", null, f.label),
      h("td", null, dateTime(f.created)),
      h("td", null, f.lastUsed ? dateTime(f.lastUsed) : "—"),
      h("td", null, h("button", { class: "secondary small", type: "button", testid: `${testid}-remove-${f.id}`, on: { click: () => remove(f) } }, t("faRemove")))))));
}

function confirmRemove(f: FactorView, done: () => Promise<void>): void {
  const form = new Form("factor-remove");
  const pw = input("password", "", { autocomplete: "current-password", maxlength: "128", testid: "factor-remove-password" });
  const ok = h("button", { class: "danger", type: "button", testid: "factor-remove-submit" }, t("faRemove"));
  const d = openDialog({ title: t("faRemoveTitle"), testid: "factor-remove-dialog",
    body: [h("p", null, `${kindLabel(f.kind)}：${f.label}`), h("p", { class: "hint" }, t("faRemoveLead")), form.banner, form.field("password", t("faPassword"), pw)],
    actions: [h("button", { class: "secondary", type: "button", on: { click: () => d.close() } }, t("cancel")), ok] });
  ok.addEventListener("click", () => void busy(ok, async () => {
    form.clear();
    const v = pw.value;
    pw.value = "";
    try {
      await Factors.Remove(f.id, v);
      d.close();
      await done();
    } catch (e) {
      form.show(e);
    }
  }));
}

function adminPart(redraw: () => Promise<void>): HTMLElement {
  const box = h("section", { class: "factors-admin", testid: "factors-admin" }, h("h3", null, t("faAdmin")));
  const form = new Form("factors-settings");
  void (async () => {
    try {
      const [s, users] = await Promise.all([Factors.Settings(), Factors.AllFactors()]);
      const policy = h("select", { testid: "factors-policy" },
        (["required", "optional"] as const).map((p) => h("option", { value: p, selected: s.policy === p }, t(p === "required" ? "faPolicy_required" : "faPolicy_optional"))));
      const policyReason = input("text", "", { maxlength: "200", testid: "factors-policy-reason" });
      const savePolicy = h("button", { class: "secondary small", type: "button", testid: "factors-policy-save" }, t("save"));
      savePolicy.addEventListener("click", () => void busy(savePolicy, async () => {
        form.clear();
        try {
          await Factors.SetPolicy(policy.value, policyReason.value.trim());
          policyReason.value = "";
          form.message(t("saved"));
          form.banner.classList.replace("error", "info");
        } catch (e) {
          form.banner.classList.replace("info", "error");
          form.show(e);
        }
      }));
      const anchors = h("textarea", { rows: "6", class: "mono", spellcheck: "false", testid: "factors-anchors" });
      anchors.value = s.anchors;
      const saveAnchors = h("button", { class: "secondary small", type: "button", testid: "factors-anchors-save" }, t("faAnchorsSave"));
      const list = h("ul", { class: "hint", testid: "factors-anchor-list" },
        (s.list ?? []).map((a) => h("li", null, `${a.subject} — ${dateTime(a.notAfter)} — SHA-256 ${a.fingerprint}`)));
      saveAnchors.addEventListener("click", () => void busy(saveAnchors, async () => {
        form.clear();
        try {
          const r = await Factors.SetTrustAnchors(anchors.value);
          anchors.value = r.anchors;
          mount(list, (r.list ?? []).map((a) => h("li", null, `${a.subject} — ${dateTime(a.notAfter)} — SHA-256 ${a.fingerprint}`)));
        } catch (e) {
          form.banner.classList.replace("info", "error");
          form.show(e);
        }
      }));
      box.append(form.banner,
        form.field("policy", t("faPolicy"), policy),
        form.field("reason", t("faPolicyReason"), policyReason, { hint: t("faPolicyReasonHint") }),
        h("div", { class: "ops" }, savePolicy),
        form.field("anchors", t("faAnchors"), anchors, { hint: t("faAnchorsHint"), wide: true }), list, h("div", { class: "ops" }, saveAnchors),
        h("h3", null, t("faUsers")), h("p", { class: "hint" }, t("faAdminRemoveHint")),
        ...(users ?? []).map((u) => h("div", { testid: `factors-user-${u.login}` },
          h("h4", null, `${u.displayName}（${u.login}）`),
          factorTable(u.factors ?? [], `factors-user-${u.userId}`, (f) => confirmRemove(f, redraw)))));
    } catch (e) {
      form.show(e);
      box.append(form.banner);
    }
  })();
  return box;
}
