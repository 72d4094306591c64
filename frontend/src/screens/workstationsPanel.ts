// The 端末（ワークステーション） panel of M-5: this PC's office id, joining the office through one
// of its workstations (on the new PC) and approving a new PC (on a workstation of the office),
// each after both screens showed the same pair code, and the office's workstations with their
// rights, removal and 今すぐ同期. Go checks the role, the office ids and the codes.

import { h, mount } from "../h";
import { Workstations } from "../api_workstations";
import type { WorkstationInfo, WorkstationPairing, WorkstationRights, WorkstationsView } from "../contract.gen";
import { errText, t } from "../i18n";
import { dateTime } from "../format";
import { confirmDialog } from "../ui/confirm";
import { Form, busy, input } from "../ui/form";

function fmt(s: string, vars: Record<string, number | string>): string {
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
}

type Right = keyof WorkstationRights;
const rightKeys: [Right, "wsReveal" | "wsDownload" | "wsDispose"][] = [
  ["reveal", "wsReveal"], ["download", "wsDownload"], ["dispose", "wsDispose"],
];

function howLabel(how: string): HTMLElement {
  switch (how) {
    case "joined": return h("span", { class: "tag info" }, t("wsHowJoined"));
    case "approved": return h("span", { class: "tag ok" }, t("wsHowApproved"));
    case "via": return h("span", { class: "tag muted" }, t("wsHowVia"));
  }
  return h("span", { class: "tag muted" }, how);
}

/** nameOf is how a workstation is called in messages: its office name, else its office id. */
function nameOf(w: { name: string; office: string }): string {
  return w.name || w.office;
}

export function workstationsPanel(): HTMLElement {
  const status = h("div", { testid: "ws-status" });
  const body = h("div");
  const section = h("section", { class: "panel workstations", testid: "ws-panel" },
    h("h2", null, t("wsHead")), h("p", { class: "hint" }, t("wsLead")), status, body);
  const say = (text: string) => mount(status, h("div", { class: "banner success", role: "status", testid: "ws-ok" }, text));
  const fail = (e: unknown) => mount(status, h("div", { class: "banner error", role: "alert", testid: "ws-error" }, errText(e)));

  const draw = async (): Promise<void> => {
    let v: WorkstationsView;
    try {
      v = await Workstations.List();
    } catch (e) {
      mount(body, h("div", { class: "banner warn", role: "status", testid: "ws-unavailable" }, t("wsUnavailable") + errText(e)));
      return;
    }
    const flow = h("div", { class: "ws-flow", testid: "ws-flow" });
    const joinBtn = h("button", { class: "secondary", type: "button", testid: "ws-join-start" }, t("wsJoinStart"));
    const approveBtn = h("button", { class: "secondary", type: "button", testid: "ws-approve-start" }, t("wsApproveStart"));
    const syncBtn = h("button", { class: "primary", type: "button", testid: "ws-sync" }, t("wsSyncNow"));
    joinBtn.addEventListener("click", () => { mount(status); mount(flow, pairFlow("join")); });
    approveBtn.addEventListener("click", () => { mount(status); mount(flow, pairFlow("approve")); });
    syncBtn.addEventListener("click", () => void busy(syncBtn, async () => {
      try {
        await Workstations.Sync();
        await draw();
        say(t("wsSynced"));
      } catch (e) {
        await draw();
        fail(e);
      }
    }));
    const others = v.workstations ?? [];
    mount(body,
      h("dl", { class: "sync-facts" },
        h("dt", null, t("wsSelf")), h("dd", { class: "mono ws-self", testid: "ws-self" }, v.self),
        h("dt", null, t("wsFingerprint")), h("dd", { class: "mono", testid: "ws-fingerprint" }, v.fingerprint)),
      v.syncError ? h("div", { class: "banner error", role: "alert", testid: "ws-sync-error" }, t("wsAutoFailed") + errText(v.syncError)) : null,
      v.relayError ? h("div", { class: "banner error", role: "alert", testid: "ws-relay-error" }, t("wsRelayFailed") + errText(v.relayError)) : null,
      v.left ? h("div", { class: "banner error", role: "alert", testid: "ws-left" }, t("wsLeft").replace("{n}", String(v.left))) : null,
      h("div", { class: "actions" }, joinBtn, approveBtn, h("span", { class: "spacer" }), syncBtn),
      flow,
      h("h3", null, t("wsListHead")),
      others.length === 0 ? h("p", { class: "empty", testid: "ws-none" }, t("wsNone")) :
        h("table", { class: "grid compact ws-list", testid: "ws-list" },
          h("thead", null, h("tr", null,
            h("th", null, t("wsName")), h("th", null, t("wsOffice")), h("th", null, t("wsHow")), h("th", null, t("wsCompanies")),
            h("th", null, t("wsAdded")), h("th", null, t("wsRights")), h("th", null, t("operations")))),
          h("tbody", null, others.map(row))));
  };

  /** pairFlow is the join (new PC) or approval (workstation of the office) form: the other's
   *  office id, then the pair code of both screens, then the code typed from the other screen. */
  const pairFlow = (kind: "join" | "approve"): HTMLElement => {
    const prefix = `ws-${kind}`;
    const form = new Form(prefix);
    const office = input("text", "", { class: "mono", autocomplete: "off", spellcheck: "false", testid: `${prefix}-office` });
    const pairBtn = h("button", { class: "secondary", type: "button", testid: `${prefix}-pair` }, t("wsPair"));
    const step2 = h("div", { class: "ws-step2" });
    const submitSlot = h("span");
    const reset = () => { mount(step2); mount(submitSlot); };
    office.addEventListener("input", reset); // a code shown is for the office id it was asked for
    pairBtn.addEventListener("click", () => void busy(pairBtn, async () => {
      form.clear();
      reset();
      try {
        const step = codeStep(kind, form, await Workstations.Pair(office.value.trim()));
        mount(step2, step.el);
        mount(submitSlot, step.submit);
      } catch (e) {
        form.show(e);
      }
    }));
    const cancel = h("button", { class: "secondary", type: "button", testid: `${prefix}-cancel` }, t("cancel"));
    cancel.addEventListener("click", () => section.querySelector(".ws-flow")?.replaceChildren());
    const officeRow = h("div", { class: "ws-office-row", testid: `${prefix}-office-row` }, office, pairBtn);
    const officeField = form.field("office", t(kind === "join" ? "wsJoinOffice" : "wsApproveOffice"), officeRow, { required: true });
    officeRow.removeAttribute("id"); // the label names the input, not the row
    office.id = `${prefix}-office`;
    return h("div", { class: "ws-pair", testid: `${prefix}-form` },
      h("h3", null, t(kind === "join" ? "wsJoinHead" : "wsApproveHead")),
      h("p", { class: "hint" }, t(kind === "join" ? "wsJoinLead" : "wsApproveLead")),
      form.banner,
      officeField,
      step2,
      h("div", { class: "actions" }, cancel, h("span", { class: "spacer" }), submitSlot));
  };

  /** codeStep shows this PC's office id and the pair code, (for an approval) the rights, and
   *  takes the code shown on the other screen. */
  const codeStep = (kind: "join" | "approve", form: Form, p: WorkstationPairing): { el: HTMLElement; submit: HTMLButtonElement } => {
    const prefix = `ws-${kind}`;
    const code = input("text", "", { class: "mono ws-code-input", autocomplete: "off", spellcheck: "false", placeholder: "XXXX-XXXX-XXXX-XXXX-XXXX" });
    const rights: Record<Right, HTMLInputElement> = {
      reveal: h("input", { type: "checkbox", testid: `${prefix}-reveal` }),
      download: h("input", { type: "checkbox", testid: `${prefix}-download` }),
      dispose: h("input", { type: "checkbox", testid: `${prefix}-dispose` }),
    };
    code.addEventListener("input", () => form.clear()); // the refusal was for the code typed before
    const submit = h("button", { class: "primary", type: "button", testid: `${prefix}-submit` }, t(kind === "join" ? "wsJoin" : "wsApprove"));
    submit.addEventListener("click", () => void busy(submit, async () => {
      form.clear();
      try {
        if (kind === "join") {
          await Workstations.Join({ office: p.office, code: code.value.trim() });
          await draw();
          say(t("wsJoined"));
        } else {
          await Workstations.Approve({ office: p.office, code: code.value.trim(),
            rights: { reveal: rights.reveal.checked, download: rights.download.checked, dispose: rights.dispose.checked } });
          await draw();
          say(fmt(t("wsApproved"), { name: nameOf(p) }));
        }
      } catch (e) {
        form.show(e);
      }
    }));
    const el = h("div", { class: "ws-pairing", testid: `${prefix}-pairing` },
      h("dl", { class: "sync-facts" },
        h("dt", null, t("wsSelf")), h("dd", { class: "mono ws-self", testid: `${prefix}-self` }, p.self),
        h("dt", null, t("wsPeer")), h("dd", { testid: `${prefix}-peer` }, `${p.name} (${p.office})`)),
      h("p", { class: "hint" }, fmt(t("wsTellSelf"), { self: p.self })),
      h("div", { class: "ws-code-box" },
        h("div", { class: "ws-code-label" }, t("wsCode")),
        h("div", { class: "ws-code mono", testid: `${prefix}-shown-code` }, p.code)),
      h("p", { class: "hint" }, t("wsCompare")),
      kind === "approve" ? h("fieldset", { class: "ws-rights-choice" },
        h("legend", null, t("wsRightsHead")),
        h("div", { class: "ws-checks" }, rightKeys.map(([k, label]) => h("label", { class: "check" }, rights[k], t(label)))),
        h("p", { class: "hint" }, t("wsRightsLead"))) : null,
      form.field("code", t("wsTypeCode"), code, { required: true }));
    return { el, submit };
  };

  const row = (w: WorkstationInfo): HTMLElement => {
    const removed = !!w.removedAt;
    const boxes = rightKeys.map(([k, label]) => {
      const box = h("input", { type: "checkbox", checked: w.rights[k], disabled: removed, testid: `ws-right-${w.office}-${k}` });
      box.addEventListener("change", () => void (async () => {
        const all = boxes.map((b) => b.box);
        all.forEach((b) => { b.disabled = true; });
        const next = { ...w.rights, [k]: box.checked };
        try {
          await Workstations.SetRights({ office: w.office, rights: next });
          await draw();
          say(fmt(t("wsRightsSaved"), { name: nameOf(w) }));
        } catch (e) {
          box.checked = w.rights[k];
          all.forEach((b) => { b.disabled = false; });
          fail(e);
        }
      })());
      return { box, el: h("label", { class: "check" }, box, t(label)) };
    });
    const remove = removed ? null : h("button", { class: "danger small", type: "button", testid: `ws-remove-${w.office}`, on: { click: () =>
      confirmDialog({
        title: t("wsRemoveHead"), message: fmt(t("wsRemoveConfirm"), { name: nameOf(w), office: w.office }),
        confirm: t("wsRemove"), danger: true, testid: "ws-remove-confirm",
        action: async () => {
          const n = await Workstations.Remove(w.office);
          await draw();
          say(fmt(t("wsRemoved"), { name: nameOf(w), n }));
        },
      }) } }, t("wsRemove"));
    return h("tr", { class: removed ? "muted ws-removed" : "", testid: `ws-row-${w.office}`, "data-removed": removed ? "true" : "false" },
      h("td", null, w.name || "—"),
      h("td", { class: "mono nowrap" }, w.office),
      h("td", null, howLabel(w.how), removed ? h("span", { class: "tag warn", testid: `ws-removed-tag-${w.office}` }, t("wsRemovedTag")) : null),
      h("td", { class: "num", testid: `ws-companies-${w.office}` }, String(w.companies)),
      h("td", { class: "ws-added" },
        h("div", null, `${dateTime(w.addedAt)}`, w.addedBy ? h("span", { class: "muted" }, ` ${w.addedBy}`) : null),
        removed ? h("div", { testid: `ws-removed-${w.office}` }, `${t("wsRemovedAt")}: ${dateTime(w.removedAt)}`,
          w.removedBy ? ` ${w.removedBy}` : "") : null),
      h("td", { class: "ws-rights" }, boxes.map((b) => b.el),
        w.rightsSet ? null : h("span", { class: "tag muted" }, t("wsRightsUnset"))),
      h("td", { class: "action" }, remove));
  };

  void draw();
  return section;
}
