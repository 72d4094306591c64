// 1-3 STEP2: documents from a network scanner (読み取り) or from the scanner's hot folder
// (フォルダから取り込み). Go holds the pages in memory; this panel gets small previews and
// references, and hands each page to the check form as an attached image whose data is the
// reference ("scan:<handle>/<n>"). Recording the check seals them in Go at once; pages from the
// folder are removed from the bridge's inbox then. Nothing here is written to disk or logged.

import { h, mount } from "../h";
import { parseError } from "../api";
import { Scan } from "../api_devices";
import { errText, pick, t } from "../i18n";
import { dateTime } from "../format";
import { onBridgeEvent, whileAttached } from "../events";
import type { ScanPage, ScanResult, ScanScanner } from "../contract.gen";
import { Form, busy } from "../ui/form";
import { Code } from "../contract.gen";

/** An image for the check form (the shape collectCheck keeps). */
export interface ScanAttachment {
  name: string;
  size: number;
  type: string;
  data: string;
  kind: string;
}

/** scanPanel draws the scanner and folder controls for a check of companyId; personId gives the
 *  person the check is for, add puts one page into the check's images. */
export function scanPanel(companyId: number, personId: () => number, add: (im: ScanAttachment) => void): HTMLElement {
  const form = new Form("scan");
  const scanner = h("select", { testid: "scan-scanner" });
  const source = h("select", { testid: "scan-source" },
    h("option", { value: "Platen" }, t("scanPlaten")), h("option", { value: "Feeder" }, t("scanFeeder")));
  const duplex = h("input", { type: "checkbox", testid: "scan-duplex" });
  const color = h("select", { testid: "scan-color" },
    h("option", { value: "RGB24" }, t("scanRGB")), h("option", { value: "Grayscale8" }, t("scanGray")));
  const start = h("button", { class: "primary", type: "button", testid: "scan-start", disabled: true }, t("scanStart"));
  const progress = h("span", { class: "hint", testid: "scan-progress", "aria-live": "polite" });
  // 中止 ends a scan in flight (a long feeder batch, a slow page); the pages read are dropped.
  const cancel = h("button", { class: "secondary", type: "button", testid: "scan-cancel", hidden: true }, t("scanCancel"));
  cancel.addEventListener("click", () => {
    cancel.disabled = true;
    void Scan.Cancel().catch((e) => form.show(e));
  });
  const thumbs = h("div", { class: "scan-thumbs", testid: "scan-thumbs" });
  const inbox = h("div", { class: "scan-inbox", testid: "scan-inbox" });
  let scanners: ScanScanner[] = [];

  const fitSource = () => {
    const s = scanners.find((x) => x.name === scanner.value);
    const sources = s?.sources?.length ? s.sources : ["Platen", "Feeder"];
    for (const o of [...source.options]) o.disabled = !sources.includes(o.value);
    if (source.selectedOptions[0]?.disabled) source.value = sources[0];
    duplex.disabled = source.value !== "Feeder" || !(s?.duplex ?? true);
    if (duplex.disabled) duplex.checked = false;
  };
  scanner.addEventListener("change", fitSource);
  source.addEventListener("change", fitSource);

  const attach = (res: ScanResult, from: string) => {
    const pages = res.pages ?? [];
    for (const p of pages) add({ name: p.name, size: p.size, type: p.contentType, data: p.ref, kind: "" });
    thumbs.append(...pages.map((p, i) => thumb(p, `${from}-${i}`)));
    return pages.length;
  };

  // Progress of a scan in flight comes from the bridge's scan_progress events.
  let scanning = false;
  const offScan = onBridgeEvent((e) => {
    if (scanning && e.type === "scan_progress") progress.textContent = t("scanProgress").replace("{n}", String(e.step ?? 0));
    if (e.type === "inbox_page") void loadInbox();
  });

  start.addEventListener("click", () => {
    form.clear();
    progress.textContent = t("scanProgress").replace("{n}", "0");
    scanning = true;
    cancel.hidden = false;
    cancel.disabled = false;
    void busy(start, async () => {
      try {
        const res = await Scan.Scan(companyId, personId(), { scanner: scanner.value, source: source.value, duplex: duplex.checked,
          color: color.value, dpi: 0 });
        const n = attach(res, "scan");
        progress.textContent = t("scanDone").replace("{n}", String(n));
        if (res.stopped) form.show(res.stopped);
      } catch (e) {
        progress.textContent = "";
        form.show(e);
      } finally {
        scanning = false;
        cancel.hidden = true;
      }
    });
  });

  let inboxSeq = 0;
  const attached = new Set<string>();
  const loadInbox = async () => {
    const mine = ++inboxSeq;
    try {
      const items = (await Scan.Inbox(companyId)) ?? [];
      if (mine !== inboxSeq) return;
      if (items.length === 0) {
        mount(inbox, h("p", { class: "muted", testid: "scan-inbox-empty" }, t("scanInboxEmpty")));
        return;
      }
      mount(inbox, h("ul", { class: "scan-inbox-list" }, items.map((it, i) => {
        const done = attached.has(it.id);
        const btn = h("button", { class: "secondary small", type: "button", testid: `scan-inbox-attach-${i}`, disabled: done },
          done ? t("scanInboxAttached") : t("scanInboxAttach"));
        btn.addEventListener("click", () => void busy(btn, async () => {
          form.clear();
          try {
            attach(await Scan.OpenInbox(companyId, it.id), `inbox-${i}`);
            attached.add(it.id);
            btn.textContent = t("scanInboxAttached");
            btn.disabled = true;
          } catch (e) {
            form.show(e);
          }
        }).finally(() => { if (attached.has(it.id)) btn.disabled = true; }));
        return h("li", { testid: `scan-inbox-${i}`, "data-id": it.id },
          h("span", { class: "mono", testid: `scan-inbox-${i}-name` }, it.name), " ",
          h("span", { class: "muted" }, `(${sizeText(it.size)} · ${dateTime(it.received)})`), " ", btn);
      })));
    } catch (e) {
      if (mine === inboxSeq) mount(inbox, h("p", { class: "muted", testid: "scan-inbox-error" }, errText(e)));
    }
  };

  const panel = h("section", { class: "panel wide-panel scan-panel", testid: "scan-panel" },
    h("h3", null, t("scanTitle")),
    h("p", { class: "hint" }, t("scanLead")),
    form.banner,
    h("div", { class: "scan-controls" },
      form.field("scanner", t("scanScanner"), scanner),
      form.field("source", t("scanSource"), source),
      h("label", { class: "check scan-duplex" }, duplex, " ", t("scanDuplex")),
      form.field("color", t("scanColor"), color),
      h("div", { class: "scan-go" }, start, " ", cancel, " ", progress)),
    thumbs,
    h("h4", null, t("scanInbox"), " ",
      h("button", { class: "secondary small", type: "button", testid: "scan-inbox-refresh", on: { click: () => void loadInbox() } },
        t("scanInboxRefresh"))),
    inbox);
  form.alias("images", "scanner");
  whileAttached(panel, offScan);

  Scan.Scanners(companyId).then(
    (list) => {
      scanners = list ?? [];
      if (scanners.length === 0) {
        mount(scanner, h("option", { value: "" }, t("scanNoScanner")));
        return;
      }
      mount(scanner, scanners.map((s) => h("option", { value: s.name }, `${s.name}（${pick(s.state.ja, s.state.en)}）`)));
      start.disabled = false;
      fitSource();
    },
    (e) => {
      // Without the bridge the rest of the check works as usual: say so quietly.
      const err = parseError(e);
      if (err.code === Code.BridgeUnavailable) mount(scanner, h("option", { value: "" }, t("scanBridgeDown")));
      else form.show(err);
    },
  ).finally(() => void loadInbox());
  return panel;
}

/** thumb is one page's preview (or a PDF label), for the handler to see what was scanned. */
function thumb(p: ScanPage, id: string): HTMLElement {
  return h("figure", { class: "scan-thumb", testid: `scan-thumb-${id}` },
    p.preview
      ? h("img", { src: p.preview, alt: p.name })
      : h("div", { class: "scan-pdf" }, t("scanPdf")),
    h("figcaption", { class: "muted" }, `${p.name} (${sizeText(p.size)})`));
}

function sizeText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
