// 2-1 取扱い履歴照会: the audit history, newest first, with filters, pages (by the cursor
// nextBeforeId, ui/listView.ts KeysetPager) and the chain verification badge from Verify().

import { saveFile } from "../ui/save";
import { h, mount } from "../h";
import { Companies, History, Users } from "../api";
import { errText, pick, t } from "../i18n";
import { dateTime } from "../format";
import type { App } from "../app";
import type { HistoryEntry, HistoryFilter, MenuItem } from "../contract.gen";
import { busy } from "../ui/form";
import { screenHead } from "../ui/layout";
import { KeysetPager, keysetState } from "../ui/listView";

const emptyFilter: HistoryFilter = { companyId: 0, userId: 0, action: "", from: "", to: "", beforeId: 0, limit: 50 };
// The filter and the page survive moving between screens (in memory), but not a change of user.
let filter: HistoryFilter = { ...emptyFilter };
let pages = keysetState();
let filterOwner = 0;

export function renderHistory(app: App, item: MenuItem | undefined, content: HTMLElement): void {
  const me = app.state?.user;
  if (me?.id !== filterOwner) {
    filter = { ...emptyFilter };
    pages = keysetState();
    filterOwner = me?.id ?? 0;
  }
  // A 事務取扱責任者 sees one company at a time; only administrators may ask for "all".
  const isAdmin = !!me?.isAdmin;
  const self = app.state?.office?.name || t("shareSelf");
  const head = screenHead(item, t("historyTitle"));
  const badge = h("div", { class: "verify pending", testid: "verify-badge" }, t("verifying"));
  // The other members' histories of the shared companies (other workstations, the client's).
  const chains = h("ul", { class: "peer-chains hidden", testid: "verify-chains" });
  const company = h("select", { testid: "history-company" }, isAdmin ? h("option", { value: "0" }, t("all")) : null);
  const user = h("select", { testid: "history-user" }, h("option", { value: "0" }, t("all")));
  const action = h("select", { testid: "history-action" }, h("option", { value: "" }, t("all")));
  const from = h("input", { type: "date", value: filter.from, testid: "history-from" });
  const to = h("input", { type: "date", value: filter.to, testid: "history-to" });
  const search = h("button", { class: "primary", type: "submit", testid: "history-search" }, t("search"));
  const banner = h("div", { class: "banner error hidden", role: "alert", testid: "history-error" });
  const tbody = h("tbody", { testid: "history-rows" });
  const st = pages;
  const pager = new KeysetPager("history", st, () => void query());
  const total = pager.count;
  total.setAttribute("data-testid", "history-total");

  const query = async () => {
    banner.classList.add("hidden");
    const f: HistoryFilter = { ...filter, beforeId: st.cursors[st.page] ?? 0, limit: st.pageSize };
    try {
      const page = await History.Query(f);
      const entries = page.entries ?? [];
      tbody.replaceChildren(...entries.map((e) => row(e, self)));
      if (!entries.length) tbody.appendChild(h("tr", null, h("td", { colspan: "10", class: "empty" }, t("noEntries"))));
      pager.loaded(page.total, entries.length, page.nextBeforeId);
    } catch (e) {
      banner.textContent = errText(e);
      banner.classList.remove("hidden");
    }
  };

  // 取扱い履歴レポート: the same filter as the screen, every matching entry, as Excel or CSV.
  const exportDone = h("span", { class: "muted", testid: "history-export-done" });
  const exportButton = (format: string, label: string) => {
    const b: HTMLButtonElement = h("button", { class: "secondary", type: "button", testid: `history-export-${format}` }, label);
    b.addEventListener("click", () => void busy(b, async () => {
      banner.classList.add("hidden");
      try {
        const f = await History.Export({ ...filter, beforeId: 0 }, format);
        const where = await saveFile(f);
        if (!where) return; // the save dialog was cancelled
        exportDone.textContent = `${where} (${f.rows})`;
        exportDone.dataset.file = f.fileName;
        exportDone.dataset.rows = String(f.rows);
      } catch (e) {
        banner.textContent = errText(e);
        banner.classList.remove("hidden");
      }
    }));
    return b;
  };
  const exports = h("div", { class: "actions", testid: "history-exports" },
    exportButton("xlsx", t("historyReportXlsx")), exportButton("csv", t("historyCsvUtf8")),
    exportButton("csv-cp932", t("historyCsvCp932")), exportDone);

  const form = h("form", { class: "filters", testid: "history-filters", on: { submit: (ev: Event) => {
    ev.preventDefault();
    filter.companyId = Number(company.value);
    filter.userId = Number(user.value);
    filter.action = action.value;
    filter.from = from.value;
    filter.to = to.value;
    Object.assign(st, keysetState(st.pageSize));
    void busy(search, () => query());
  } } },
    h("label", null, t("company"), company),
    h("label", null, t("user"), user),
    h("label", null, t("action"), action),
    h("label", null, t("periodFrom"), from),
    h("label", null, t("periodTo"), to),
    search);

  mount(content, head,
    h("div", { class: "history-top" }, badge, total),
    chains,
    form, exports, banner,
    h("table", { class: "grid compact", testid: "history-table" },
      h("thead", null, h("tr", null,
        h("th", null, t("time")), h("th", null, t("historySource")), h("th", null, t("user")), h("th", null, t("workstation")), h("th", null, t("action")),
        h("th", null, t("company")), h("th", null, t("target")), h("th", null, t("historyPurpose")), h("th", null, t("result")),
        h("th", null, t("detail")))),
      tbody),
    pager.el);

  // Filter choices; a list this user may not read simply stays at "all".
  const companies = Companies.List(true).then((cs) => {
    const list = cs ?? [];
    if (!isAdmin && !list.some((c) => c.id === filter.companyId)) filter.companyId = list[0]?.id ?? 0;
    for (const c of list) company.appendChild(h("option", { value: String(c.id), selected: c.id === filter.companyId }, c.name));
  }, () => {});
  Users.List().then((us) => {
    for (const u of us ?? []) user.appendChild(h("option", { value: String(u.id), selected: u.id === filter.userId }, `${u.displayName} (${u.login})`));
  }, () => user.closest("label")?.classList.add("hidden"));
  History.Actions().then((as) => {
    for (const a of as ?? []) action.appendChild(h("option", { value: a.value, selected: a.value === filter.action }, pick(a.ja, a.en)));
  }, () => {});
  History.Verify().then((v) => {
    badge.className = "verify " + (v.ok ? "ok" : "broken");
    badge.setAttribute("data-ok", String(v.ok));
    badge.textContent = v.ok
      ? t("chainOk").replace("{n}", String(v.entries)) +
        (v.lastSealed ? t("chainSealed").replace("{from}", String(v.sealedSince)).replace("{id}", String(v.lastSealed)) : "") +
        (v.lastSealed && v.unsealed ? t("chainUnsealed").replace("{n}", String(v.unsealed)) : "") +
        (v.anchors ? t("chainAnchored").replace("{n}", String(v.anchors - (v.diverged ?? 0))).replace("{at}", dateTime(v.anchoredAt)) : "") +
        (v.diverged ? t("chainDiverged").replace("{n}", String(v.diverged)).replace("{id}", String(v.restoredAt)) : "")
      : `${t("chainBroken").replace("{id}", String(v.firstBroken))} ${pick(v.reasonJa, v.reasonEn)}`;
    for (const c of v.chains ?? []) {
      const name = `${c.sourceName || c.source}（${c.companyName}）`;
      let text = t("peerChainOk").replace("{n}", String(c.chained));
      if (!c.ok) {
        text = [
          c.broken ? t("peerChainBroken").replace("{id}", String(c.firstBroken)) : "",
          c.gaps ? t("peerChainGaps").replace("{n}", String(c.gaps)) : "",
          c.bad ? t("peerChainBad").replace("{n}", String(c.bad)) : "",
        ].filter(Boolean).join(" ");
      }
      if (c.entries > c.chained) text += t("peerChainOld").replace("{n}", String(c.entries - c.chained));
      if (c.ok && c.authenticated) text += t("peerChainAuth");
      chains.appendChild(h("li", { class: "verify " + (c.ok ? "ok" : "broken"), "data-ok": String(c.ok), "data-source": c.source }, `${name}: ${text}`));
    }
    chains.classList.toggle("hidden", !(v.chains ?? []).length);
  }, (e) => {
    badge.className = "verify broken";
    badge.textContent = errText(e);
  });
  // Administrators see everything at once; others wait for their first company.
  if (isAdmin) void query();
  else void companies.then(() => query());
}

function resultLabel(r: string): string {
  if (r === "ok") return t("resultOk");
  if (r === "denied") return t("resultDenied");
  if (r === "failed") return t("resultFailed");
  return r;
}

function row(e: HistoryEntry, self: string): HTMLElement {
  // Go names the record, the user and the purpose (app/history); a peer's entry keeps its ids.
  const target = e.targetLabel || (e.targetType ? `${e.targetType}${e.targetId ? " #" + e.targetId : ""}` : "");
  const peer = !!e.source;
  // Peer entries have no local id: one test id for all of them.
  return h("tr", { testid: peer ? "history-peer-entry" : `history-entry-${e.id}`, "data-action": e.action, "data-source": peer ? "peer" : "self",
    class: [e.result === "ok" ? "" : "attention", peer ? "peer" : ""].filter(Boolean).join(" ") },
    h("td", { class: "nowrap" }, dateTime(e.time)),
    h("td", { class: "source", testid: "history-source" }, peer ? e.source : self),
    h("td", { class: "user" }, e.userLabel || e.login || "—"),
    h("td", null, e.workstation),
    h("td", { class: "action" }, pick(e.actionJa || e.action, e.actionEn || e.action)),
    h("td", { class: "nowrap" }, e.companyName),
    h("td", { testid: "history-target" }, target),
    h("td", { testid: "history-purpose" }, e.purposeLabel || e.purpose),
    h("td", { class: "result-" + e.result }, e.resultLabel || resultLabel(e.result)),
    h("td", { class: "detail", testid: "history-detail" }, e.detailText || e.detail));
}
