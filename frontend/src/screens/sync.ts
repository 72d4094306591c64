// M-5 クラウド連携 (administrator): enrolment with the relay (URL, CA PEM, one-time token), the
// state of the queues with 今すぐ同期, and publishing each client company (its employee page
// URL), and the office's workstations (workstationsPanel). The bridge holds the keys; the token
// is sent once and never kept here.

import { h, mount } from "../h";
import { Sync } from "../api_sync";
import { errText, t } from "../i18n";
import { dateTime } from "../format";
import type { App } from "../app";
import type { MenuItem, SyncCompany, SyncStatus } from "../contract.gen";
import { Form, busy } from "../ui/form";
import { loading, screenHead } from "../ui/layout";
import { backupPanel } from "./backupPanel";
import { replicaPanel } from "./replicaPanel";
import { workstationsPanel } from "./workstationsPanel";

/** portalURL is the employee page of a published company (the company id pre-filled). */
function portalURL(st: SyncStatus, relayCompany: string): string {
  return `${st.url}/e/?c=${encodeURIComponent(relayCompany)}`;
}

export function renderSync(_app: App, item: MenuItem | undefined, content: HTMLElement): void {
  const head = screenHead(item, t("syncTitle"));
  const note = h("div", { class: "banner success hidden", role: "status", testid: "sync-ok" });
  const error = h("div", { class: "banner error hidden", role: "alert", testid: "sync-error" });
  const body = h("div", { class: "sync" }, loading());
  const say = (text: string) => {
    error.classList.add("hidden");
    note.textContent = text;
    note.classList.remove("hidden");
  };
  const replicaBox = h("div", { class: "replica-box" });
  const workstationsBox = h("div", { class: "workstations-box" });
  mount(content, head, note, error, backupPanel(say), replicaBox, body, workstationsBox);
  const fail = (e: unknown) => {
    note.classList.add("hidden");
    error.textContent = errText(e);
    error.classList.remove("hidden");
  };

  const draw = async (): Promise<void> => {
    let st: SyncStatus | null = null;
    try {
      st = await Sync.Status();
    } catch (e) {
      fail(e);
    }
    const companies = await Sync.Companies().then((l) => l ?? [], (e) => { fail(e); return [] as SyncCompany[]; });
    mount(replicaBox, replicaPanel(say, fail));
    mount(workstationsBox, workstationsPanel());
    mount(body, st ? statusPanel(st) : null, st?.enrolled ? [companiesPanel(st, companies), enrolPanel(st)] : enrolPanel(st));
  };

  const statusPanel = (st: SyncStatus): HTMLElement => {
    const now = h("button", { class: "primary", type: "button", testid: "sync-now", disabled: !st.enrolled }, t("syncNow"));
    now.addEventListener("click", () => void busy(now, async () => {
      try {
        await Sync.SyncNow();
        await draw();
        say(t("syncSynced"));
      } catch (e) { fail(e); }
    }));
    const row = (label: string, value: string | number, testid: string) =>
      [h("dt", null, label), h("dd", { testid }, String(value))];
    return h("section", { class: "panel sync-status", testid: "sync-status" },
      h("h2", null, t("syncStatusHead"), " ",
        st.enrolled ? h("span", { class: "tag ok", testid: "sync-enrolled" }, t("syncEnrolled"))
          : h("span", { class: "tag muted", testid: "sync-not-enrolled" }, t("syncNotEnrolled"))),
      st.enrolled ? h("dl", { class: "sync-facts" },
        row(t("syncRelayURL"), st.url, "sync-url"),
        row(t("syncOffice"), st.office, "sync-office"),
        row(t("syncLastSync"), st.lastSync ? dateTime(st.lastSync) : t("syncNever"), "sync-last"),
        row(t("syncOutbox"), st.pending, "sync-pending"),
        row(t("syncFailed"), st.failed, "sync-failed"),
        row(t("syncInbox"), st.inbox, "sync-inbox"),
        row(t("syncAppPending"), st.appPending, "sync-app-pending"),
        st.lastError ? row(t("syncLastError"), st.lastError, "sync-last-error") : null) : null,
      h("div", { class: "actions" }, h("span", { class: "spacer" }), now));
  };

  const enrolPanel = (st: SyncStatus | null): HTMLElement => {
    const form = new Form("sync-enrol");
    const url = h("input", { type: "url", value: st?.url ?? "", autocomplete: "off", placeholder: "https://relay.example.jp" });
    const ca = h("textarea", { rows: "5", class: "mono", autocomplete: "off", spellcheck: "false",
      placeholder: "-----BEGIN CERTIFICATE-----" });
    const token = h("input", { type: "password", autocomplete: "off", spellcheck: "false" });
    const enrol = h("button", { class: st?.enrolled ? "secondary" : "primary", type: "button", testid: "sync-enrol" }, t("syncEnrol"));
    form.alias("caPem", "ca");
    enrol.addEventListener("click", () => void busy(enrol, async () => {
      form.clear();
      try {
        await Sync.Enrol({ url: url.value.trim(), caPem: ca.value, token: token.value.trim() });
        token.value = "";
        await draw();
        say(t("syncEnrolDone"));
      } catch (e) {
        token.value = "";
        form.show(e);
      }
    }));
    return h("section", { class: "panel sync-enrol", testid: "sync-enrol-form" },
      h("h2", null, t("syncEnrolHead")),
      h("p", { class: "hint" }, t("syncEnrolLead")),
      form.banner,
      form.field("url", t("syncRelayURL"), url, { required: true }),
      form.field("ca", t("syncCAPEM"), ca, { required: true }),
      form.field("token", t("syncToken"), token, { required: true }),
      h("div", { class: "actions" }, h("span", { class: "spacer" }), enrol));
  };

  const companiesPanel = (st: SyncStatus, companies: SyncCompany[]): HTMLElement => {
    const rows = companies.map((c) => {
      const publish = h("button", { class: c.relayCompany ? "secondary small" : "primary small", type: "button",
        testid: `sync-publish-${c.code}` }, c.relayCompany ? t("syncRepublish") : t("syncPublish"));
      publish.addEventListener("click", () => void busy(publish, async () => {
        try {
          await Sync.PublishCompany(c.id);
          await draw();
          say(t("syncPublished").replace("{name}", c.name));
        } catch (e) { fail(e); }
      }));
      return h("tr", { testid: `sync-company-${c.code}` },
        h("td", { class: "mono nowrap" }, c.code),
        h("td", null, c.name),
        h("td", { class: "mono", testid: `sync-relay-company-${c.code}` }, c.relayCompany || h("span", { class: "muted" }, t("syncNotPublished"))),
        h("td", { class: "sync-url-cell" }, c.relayCompany
          ? h("span", { class: "mono sync-portal", testid: `sync-portal-${c.code}` }, portalURL(st, c.relayCompany)) : "—"),
        h("td", null, publish));
    });
    return h("section", { class: "panel sync-companies", testid: "sync-companies" },
      h("h2", null, t("syncCompaniesHead")),
      h("p", { class: "hint" }, t("syncCompaniesLead")),
      companies.length
        ? h("table", { class: "grid compact" },
            h("thead", null, h("tr", null, h("th", null, t("companyCode")), h("th", null, t("syncCompany")),
              h("th", null, t("syncRelayCompany")), h("th", null, t("syncPortalURL")), h("th", null, t("operations")))),
            h("tbody", null, rows))
        : h("p", { class: "empty" }, t("syncNoCompanies")));
  };

  void draw();
}
