// M-6 データ共有: this installation's key fingerprint, offering a company to another office
// (after comparing its fingerprint by phone), offers received, the shared companies with
// "sync now", and each company's conflicts (values masked by Go). Go checks every role and
// every fingerprint; nothing here holds a number.

import { confirmDialog } from "../ui/confirm";
import { h, mount } from "../h";
import { Companies } from "../api";
import { Share } from "../api_share";
import { errText, t } from "../i18n";
import { dateTime } from "../format";
import type { App } from "../app";
import type { MenuItem, ShareInfo } from "../contract.gen";
import { Form } from "../ui/form";
import { loading, screenHead } from "../ui/layout";

function fmt(s: string, vars: Record<string, number | string>): string {
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
}

/** kindLabel names a shared record kind (app/share Kind*) for the conflicts table. */
function kindLabel(kind: string): string {
  switch (kind) {
    case "person": return t("shareKindPerson");
    case "number": return t("shareKindNumber");
    case "disposal": return t("shareKindDisposal");
  }
  return kind;
}

function msg(kind: "ok" | "error", text: string): HTMLElement {
  return h("div", { class: kind === "ok" ? "banner success" : "banner error", testid: "share-" + kind, role: kind === "error" ? "alert" : "status" }, text);
}

export function renderShare(app: App, item: MenuItem | undefined, content: HTMLElement): void {
  const status = h("div", { testid: "share-status" });
  const body = h("div", { class: "share" }, loading());
  mount(content, screenHead(item, t("shareTitle")), status, body);
  const say = (kind: "ok" | "error", text: string) => mount(status, msg(kind, text));
  const fail = (e: unknown) => say("error", errText(e));

  async function draw(): Promise<void> {
    const [me, companies, offers, shares] = await Promise.all([
      Share.Identity().catch((e) => { fail(e); return null; }),
      Companies.List(false).then((l) => l ?? []),
      Share.Offers().catch(() => null).then((l) => l ?? []),
      Share.List().then((l) => l ?? []),
    ]);

    const identity = h("section", { class: "panel share-self", testid: "share-self" },
      h("h2", null, t("shareSelf")),
      me ? h("dl", { class: "facts" },
        h("dt", null, t("shareOffice")), h("dd", { testid: "share-office" }, me.office),
        h("dt", null, t("shareFingerprint")), h("dd", { class: "mono", testid: "share-fingerprint" }, me.fingerprint)) : null,
      h("p", { class: "hint" }, t("shareFingerprintLead")));

    // Offer a company.
    // A company shared already can be offered to one more office: it joins the group.
    const groupSize = new Map(shares.map((s) => [s.companyId, (s.members ?? []).length]));
    const company = h("select", { testid: "share-company" },
      ...companies.map((c) => h("option", { value: String(c.id) }, `${c.code} ${c.name}` +
        (groupSize.has(c.id) ? t("shareInGroup").replace("{n}", String(groupSize.get(c.id))) : ""))));
    const office = h("input", { type: "text", testid: "share-peer-office", autocomplete: "off" });
    const peerInfo = h("div", { testid: "share-peer" });
    const typed = h("input", { type: "text", class: "mono", testid: "share-peer-fingerprint", autocomplete: "off" });
    const lookup = h("button", { type: "button", class: "secondary", testid: "share-lookup", on: { click: async () => {
      try {
        const p = await Share.LookupPeer(office.value.trim());
        mount(peerInfo, h("dl", { class: "facts" },
          h("dt", null, t("sharePeer")), h("dd", null, `${p.name} (${p.office})`),
          h("dt", null, t("shareFingerprint")), h("dd", { class: "mono" }, p.fingerprint)));
      } catch (e) { fail(e); }
    } } }, t("shareLookup"));
    const offerBtn = h("button", { type: "button", class: "primary", testid: "share-offer", on: { click: async () => {
      try {
        await Share.Offer({ companyId: Number(company.value), office: office.value.trim(), fingerprint: typed.value });
        say("ok", t("shareOffered"));
        await draw();
      } catch (e) { fail(e); }
    } } }, t("shareOffer"));
    const form = new Form("share-offer-form");
    const offerForm = h("section", { class: "panel share-offer" },
      h("h2", null, t("shareOfferHead")),
      form.field("companyId", t("shareCompany"), company, { required: true }),
      form.field("office", t("shareOffice"), h("div", { class: "share-office-row" }, office, lookup), { required: true }),
      peerInfo,
      form.field("fingerprint", t("shareTypeFingerprint"), typed, { required: true }),
      h("div", { class: "actions" }, h("span", { class: "spacer" }), offerBtn));

    // Offers received.
    const offerList = h("section", { class: "panel share-offers", testid: "share-offers" }, h("h2", null, t("shareOffersHead")),
      offers.length === 0 ? h("p", { class: "empty" }, t("shareNoOffers")) : null,
      ...offers.map((o) => {
        const fp = h("input", { type: "text", class: "mono", autocomplete: "off", testid: "share-accept-fingerprint" });
        const f = new Form(`share-accept-${o.relayCompany}`);
        return h("div", { class: "share-offer-item", testid: "share-offer-item" },
          h("dl", { class: "facts" },
            h("dt", null, t("shareCompany")), h("dd", null, `${o.companyCode} ${o.companyName}`),
            h("dt", null, t("sharePeer")), h("dd", null, `${o.fromName} (${o.fromOffice})`),
            h("dt", null, t("shareFingerprint")), h("dd", { class: "mono" }, o.fingerprint)),
          f.field("fingerprint", t("shareTypeFingerprint"), fp, { required: true }),
          h("div", { class: "actions" },
            h("button", { type: "button", class: "secondary", testid: "share-reject", on: { click: async () => {
              try { await Share.Reject(o.relayCompany); await draw(); } catch (e) { fail(e); }
            } } }, t("shareReject")),
            h("span", { class: "spacer" }),
            h("button", { type: "button", class: "primary", testid: "share-accept", on: { click: async () => {
              try { await Share.Accept(o.relayCompany, fp.value); say("ok", t("shareAccepted")); await draw(); } catch (e) { fail(e); }
            } } }, t("shareAccept"))));
      }));

    // Shared companies, with sync and conflicts.
    const conflicts = h("div", { testid: "share-conflicts" });
    const row = (s: ShareInfo) => h("tr", { testid: "share-row" },
      h("td", null, s.companyName),
      h("td", { testid: "share-members" }, h("ul", { class: "plain" },
        (s.members ?? []).map((m) =>
          h("li", null, `${m.name || m.office} (${m.office}) `,
            h("button", { type: "button", class: "secondary small", testid: `share-remove-${m.office}`, on: { click: () =>
              confirmDialog({
                title: t("shareRemoveHead"), message: fmt(t("shareRemoveConfirm"), { name: m.name || m.office, company: s.companyName }),
                confirm: t("shareRemove"), danger: true, testid: "share-remove-confirm",
                action: async () => {
                  await Share.RemoveMember(s.companyId, m.office);
                  say("ok", fmt(t("shareRemoved"), { name: m.name || m.office }));
                  await draw();
                },
              }) } }, t("shareRemove")))))),
      h("td", null, dateTime(s.lastSync),
        s.syncError ? h("div", { class: "sync-error", testid: "share-sync-error" }, t("shareAutoFailed") + errText(s.syncError)) : null),
      h("td", null, h("button", { type: "button", class: "secondary small", testid: "share-show-conflicts", on: { click: () => showConflicts(s) } }, `${t("shareConflicts")} ${s.conflicts}`)),
      h("td", null, h("button", { type: "button", class: "secondary small", testid: "share-sync", on: { click: async () => {
        try {
          const r = await Share.Sync(s.companyId);
          say("ok", fmt(t("shareSynced"), { s: r.sent, r: r.received, c: r.conflicts }));
          await draw();
        } catch (e) { fail(e); }
      } } }, t("shareSync"))));
    const list = h("section", { class: "panel share-list" }, h("h2", null, t("shareListHead")),
      shares.length === 0 ? h("p", { class: "empty" }, t("shareNone")) :
        h("table", { class: "grid compact" },
          h("thead", null, h("tr", null, h("th", null, t("shareCompany")), h("th", null, t("sharePeer")), h("th", null, t("shareLastSync")), h("th", null, t("shareConflicts")), h("th", null, ""))),
          h("tbody", null, ...shares.map(row))),
      conflicts);

    async function showConflicts(s: ShareInfo): Promise<void> {
      try {
        const list = (await Share.Conflicts(s.companyId)) ?? [];
        mount(conflicts, h("h3", null, `${t("shareConflicts")}: ${s.companyName}`), h("p", { class: "hint" }, t("shareConflictsLead")),
          h("table", { class: "grid compact" },
            h("thead", null, h("tr", null, h("th", null, t("shareKind")), h("th", null, t("shareWinner")), h("th", null, t("shareLoser")), h("th", null, t("shareDetected")))),
            h("tbody", null, ...list.map((c) => h("tr", { testid: "share-conflict" },
              h("td", null, kindLabel(c.kind)),
              h("td", null, `${c.winnerValue} — ${c.winnerOffice} ${dateTime(c.winnerTime)}`),
              h("td", null, `${c.loserValue} — ${c.loserOffice} ${dateTime(c.loserTime)}`),
              h("td", null, dateTime(c.detectedAt)))))));
      } catch (e) { fail(e); }
    }

    mount(body, identity, offerForm, offerList, list);
  }
  draw().catch(fail);
  void app;
}
