// 1-3 STEP2 オンライン提出: the chosen company's submissions from employees' phones. Opening
// the board imports what the relay holds (ImportSubmissions) and lists what waits (Submitted):
// who, when, the numbers masked by Go, and the images, shown on request (each view is audited
// by Go; the picture lives only in this panel's <img> until the panel is redrawn). 受付 records
// the online identity check with the images and registers the numbers in one step; 差戻し sends
// it back with a reason the employee sees on their phone (Go refuses a reason holding a number).
// Nothing is drawn when the company is not published on the relay.

import { h, mount } from "../h";
import { parseError } from "../api";
import { Sync } from "../api_sync";
import { errText, pick, t } from "../i18n";
import { dateTime, showDate } from "../format";
import type { CollectDocKind, SyncSubmission } from "../contract.gen";
import { Form, busy } from "../ui/form";
import { statusLabel, type ColCtx } from "./collectShared";
import { sizeText } from "./collectCheck";
import { Code } from "../contract.gen";

const online = "online";

function onlineDoc(d: CollectDocKind): boolean {
  return !d.channels || d.channels.length === 0 || d.channels.includes(online);
}

/** submittedPanel is the オンライン提出 panel of the board; changed() redraws the board. */
export function submittedPanel(ctx: ColCtx, changed: (notice: string) => void): HTMLElement {
  const companyId = ctx.company.id;
  const panel = h("section", { class: "panel wide-panel sub-panel hidden", testid: "sub-panel" });
  const note = h("div", { class: "banner success hidden", role: "status", testid: "sub-note" });
  const warn = h("div", { class: "banner warn hidden", role: "status", testid: "sub-warn" });
  const list = h("div", { class: "sub-list", testid: "sub-list" }, h("p", { class: "hint" }, t("subLoading")));
  const tell = (el: HTMLElement, text: string) => {
    el.textContent = text;
    el.classList.toggle("hidden", !text);
  };
  mount(panel, h("h2", null, t("subTitle")), h("p", { class: "hint" }, t("subLead")), note, warn, list);

  const load = async (imported: boolean) => {
    if (!imported) {
      try {
        const r = await Sync.ImportSubmissions(companyId);
        const msgs: string[] = [];
        if (r.offline) msgs.push(t("subOffline"));
        if (r.quarantined) msgs.push(t("subQuarantined").replace("{n}", String(r.quarantined)));
        tell(warn, msgs.join(" "));
        if (r.imported) changed(t("subImported").replace("{n}", String(r.imported)));
      } catch (e) {
        const err = parseError(e);
        if (err.code === Code.Conflict) return; // not published on the relay: nothing online here
        panel.classList.remove("hidden");
        tell(warn, errText(err));
      }
    }
    try {
      const subs = (await Sync.Submitted(companyId)) ?? [];
      panel.classList.remove("hidden");
      panel.dataset.count = String(subs.length);
      mount(list, subs.length ? subs.map(item) : h("p", { class: "empty", testid: "sub-none" }, t("subNone")));
    } catch (e) {
      if (!panel.classList.contains("hidden")) mount(list, h("div", { class: "banner error", role: "alert" }, errText(e)));
    }
  };

  const docs = (ctx.rules.documents ?? []).filter(onlineDoc);
  /** identityOf: the identity documents the images show (Go's rules judge them). */
  const identityOf = (numberDoc: string, kinds: string[]) =>
    [...new Set([numberDoc, ...kinds])].filter((k) => docs.some((d) => d.code === k && d.identity));

  const item = (s: SyncSubmission): HTMLElement => {
    const form = new Form(`sub-${s.employeeCode}`);
    const numberDoc = h("select", { testid: `sub-${s.employeeCode}-numberDoc` },
      docs.filter((d) => d.number).map((d) => h("option", { value: d.code, selected: d.code === "mynumber_card" }, pick(d.ja, d.en))));
    const imageKinds = (s.images ?? []).map((im) => h("select", { testid: `sub-${s.employeeCode}-kind-${im.index}`, "aria-label": t("subImageKind") },
      docs.filter((d) => d.number || d.identity).map((d) => h("option", { value: d.code, selected: d.code === "mynumber_card" }, pick(d.ja, d.en)))));
    const preview = (im: { index: number; name: string; size: number }, kind: HTMLSelectElement) => {
      const slot = h("div", { class: "sub-image", testid: `sub-${s.employeeCode}-image-${im.index}` });
      const show = h("button", { class: "secondary small", type: "button", testid: `sub-${s.employeeCode}-show-${im.index}` }, t("subShowImage"));
      show.addEventListener("click", () => void busy(show, async () => {
        try {
          const f = await Sync.SubmittedImage(companyId, s.id, im.index);
          mount(slot, h("img", { src: `data:${f.contentType};base64,${f.data}`, alt: im.name, class: "sub-img",
            testid: `sub-${s.employeeCode}-img-${im.index}` }));
          show.remove();
        } catch (e) { form.show(e); }
      }));
      return h("li", null, h("span", { class: "mono" }, im.name), " ", h("span", { class: "muted" }, `(${sizeText(im.size)})`), " ",
        kind, " ", show, slot);
    };
    const dupAccepted: number[] = [];
    const accept = h("button", { class: "primary", type: "button", testid: `sub-${s.employeeCode}-accept` }, t("subAccept"));
    accept.addEventListener("click", () => void busy(accept, async () => {
      form.clear();
      try {
        const res = await Sync.Accept({ companyId, submissionId: s.id, numberDoc: numberDoc.value,
          identityDocs: identityOf(numberDoc.value, imageKinds.map((k) => k.value)),
          imageKinds: imageKinds.map((k) => k.value), acceptDuplicates: dupAccepted });
        changed(t("subAccepted").replace("{name}", s.name).replace("{status}", statusLabel(ctx.rules, res.status)));
        void load(true);
      } catch (e) {
        const err = parseError(e);
        if (err.code === Code.DuplicateNumber && err.field?.startsWith("number:")) {
          dupAccepted.push(Number(err.field.slice("number:".length)));
          form.message(`${errText(err)} ${t("subDuplicate")}`);
        } else {
          form.show(err);
        }
      }
    }));
    const reason = h("textarea", { rows: "2", maxlength: "200", autocomplete: "off" });
    const sendBack = h("button", { class: "danger", type: "button", testid: `sub-${s.employeeCode}-sendback` }, t("subSendBack"));
    sendBack.addEventListener("click", () => void busy(sendBack, async () => {
      form.clear();
      try {
        await Sync.SendBack(companyId, s.id, reason.value);
        reason.value = "";
        changed(t("subSentBack").replace("{name}", s.name));
        void load(true);
      } catch (e) { form.show(e); }
    }));
    return h("article", { class: "sub-item", testid: `sub-item-${s.employeeCode}`, "data-id": String(s.id) },
      h("header", { class: "sub-head" },
        h("span", { class: "mono muted" }, s.employeeCode), " ", h("strong", null, s.name), " ",
        h("span", { class: "tag info status-submitted" }, statusLabel(ctx.rules, "submitted")), " ",
        h("span", { class: "hint" }, t("subSubmittedAt"), "：", dateTime(s.submittedAt))),
      form.banner,
      h("table", { class: "grid compact sub-numbers" },
        h("tbody", null,
          h("tr", null, h("th", null, t("subSelf")), h("td", null, s.name),
            h("td", { class: "mono", testid: `sub-${s.employeeCode}-masked` }, s.masked)),
          (s.dependents ?? []).map((d, i) => h("tr", null,
            h("th", null, d.relation || t("subDependents")),
            h("td", null, d.name, d.birthDate ? h("span", { class: "hint" }, ` (${showDate(d.birthDate)})`) : null,
              d.personId ? null : h("div", { class: "tag warn" }, t("subUnmatched"))),
            h("td", { class: "mono", testid: `sub-${s.employeeCode}-dep-${i}-masked` }, d.masked))))),
      (s.acknowledged ?? []).length ? h("p", { class: "hint" }, t("subAcknowledged"), "：", (s.acknowledged ?? []).join("、")) : null,
      h("div", { class: "field" }, h("label", null, t("subImages")),
        h("ul", { class: "col-files sub-images" }, (s.images ?? []).map((im, i) => preview(im, imageKinds[i])))),
      form.field("numberDoc", t("subNumberDoc"), numberDoc),
      form.field("reason", t("subSendBackReason"), reason),
      h("div", { class: "actions" }, sendBack, h("span", { class: "spacer" }), accept));
  };

  void load(false);
  return panel;
}
