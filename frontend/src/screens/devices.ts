// M-4 機器の状態: the shelter-bridge and every device it serves (card service and readers, vein
// sensor, scanners, hot folder, sync) with state, detail and last error, refreshed live from
// the bridge's events; and the device settings (vein sensor driver — serial port or external
// driver executable —, scanners, hot folder), which Go checks field by field (the bridge starts
// an external driver once to check it) and records in the history.

import { h, mount } from "../h";
import { Devices } from "../api_devices";
import { errText, pick, t } from "../i18n";
import { dateTime } from "../format";
import { onBridgeEvent, onBridgeState, whileAttached } from "../events";
import type { App } from "../app";
import type { DeviceConfig, DeviceList, DeviceScanner, MenuItem } from "../contract.gen";
import { Form, busy } from "../ui/form";
import { loading, screenHead } from "../ui/layout";

export function renderDevices(_app: App, item: MenuItem | undefined, content: HTMLElement): void {
  const status = h("div", { class: "panel wide-panel", testid: "dev-status" }, loading());
  const settings = h("div", { class: "panel wide-panel", testid: "dev-settings" }, loading());
  mount(content, screenHead(item, t("devTitle")), status, settings);

  let seq = 0;
  const reload = () => {
    const mine = ++seq;
    Devices.List().then(
      (list) => { if (mine === seq) drawStatus(status, list, reload); },
      (e) => { if (mine === seq) mount(status, h("div", { class: "banner error", role: "alert" }, errText(e))); },
    );
  };
  // Device changes arrive as events; a burst (a reader and its card) reloads once.
  let pending = 0;
  const soon = () => {
    window.clearTimeout(pending);
    pending = window.setTimeout(reload, 150);
  };
  whileAttached(status,
    onBridgeEvent((e) => {
      if (["device_state", "reader_added", "reader_removed", "card_inserted", "card_removed", "scan_done", "inbox_page"].includes(e.type)) soon();
    }),
    onBridgeState(() => soon()));
  reload();
  drawSettings(settings);
}

function drawStatus(el: HTMLElement, list: DeviceList, reload: () => void): void {
  const b = list.bridge;
  const bridge = h("p", { class: "dev-bridge", testid: "dev-bridge", "data-connected": String(b.connected) },
    h("strong", null, t("devBridge")), " ",
    h("span", { class: "tag " + (b.connected ? "ok" : "dev-bad"), testid: "dev-bridge-state" }, pick(list.state.ja, list.state.en)), " ",
    b.connected
      ? h("span", { class: "muted" }, t("devBridgeRunning").replace("{version}", b.version || "—").replace("{pid}", String(b.pid)))
      : h("span", { class: "muted" }, t("devBridgeDown")));
  const devices = list.devices ?? [];
  const table = devices.length === 0
    ? h("p", { class: "muted", testid: "dev-empty" }, t("devNone"))
    : h("table", { class: "grid", testid: "dev-table" },
      h("thead", null, h("tr", null,
        h("th", null, t("devKind")), h("th", null, t("devName")), h("th", null, t("devState")),
        h("th", null, t("devDetail")), h("th", null, t("devLastError")))),
      h("tbody", null, devices.map((d, i) => h("tr", { testid: `dev-row-${i}`, "data-kind": d.kind.code, "data-state": d.state.code },
        h("td", null, pick(d.kind.ja, d.kind.en)),
        h("td", { class: "mono", testid: `dev-name-${i}` }, d.name),
        h("td", null, h("span", { class: "tag " + stateClass(d.state.code), testid: `dev-state-${i}` }, pick(d.state.ja, d.state.en))),
        h("td", { class: "dev-detail" }, d.detail || "—"),
        h("td", { class: "dev-error" }, d.lastError ? [d.lastError, h("div", { class: "muted" }, dateTime(d.lastErrorAt))] : "—")))));
  // The bridge's own error texts are English; the panel says what it means in the UI language.
  const unreadable = b.connected && b.error
    ? h("div", { class: "banner warn", role: "status", testid: "dev-list-error" }, t("devListError"))
    : null;
  mount(el, bridge, unreadable, table,
    h("div", { class: "actions" },
      h("span", { class: "hint" }, t("devLive")), h("span", { class: "spacer" }),
      h("button", { class: "secondary small", type: "button", testid: "dev-refresh", on: { click: reload } }, t("devRefresh"))));
}

function stateClass(code: string): string {
  switch (code) {
    case "ok": return "ok";
    case "busy": return "info";
    case "error": return "dev-bad";
    default: return "muted";
  }
}

function drawSettings(el: HTMLElement): void {
  Devices.Config().then(
    (cfg) => drawForm(el, cfg),
    (e) => mount(el, h("h2", null, t("devSettings")),
      h("div", { class: "banner warn", role: "status", testid: "dev-config-unavailable" }, t("devConfigUnavailable"), " ", errText(e))),
  );
}

function drawForm(el: HTMLElement, cfg: DeviceConfig): void {
  const form = new Form("dev-config");
  const driver = h("select", { testid: "dev-config-veinDriver" },
    h("option", { value: "serial" }, t("devVeinDriverSerial")),
    h("option", { value: "exec" }, t("devVeinDriverExec"))) as HTMLSelectElement;
  driver.value = cfg.veinDriver === "exec" ? "exec" : "serial";
  const vein = h("input", { type: "text", value: cfg.veinPort, class: "mono", autocomplete: "off", spellcheck: "false" });
  const driverPath = h("input", { type: "text", value: cfg.veinDriverPath, class: "mono", autocomplete: "off", spellcheck: "false" });
  const driverArgs = h("textarea", { rows: "2", class: "mono", spellcheck: "false" }) as HTMLTextAreaElement;
  driverArgs.value = (cfg.veinDriverArgs ?? []).join("\n");
  const serialRows = h("div", { testid: "dev-vein-serial" }, form.field("veinPort", t("devVeinPort"), vein, { hint: t("devVeinPortHint") }));
  const execRows = h("div", { testid: "dev-vein-exec" },
    form.field("veinDriverPath", t("devVeinDriverPath"), driverPath, { hint: t("devVeinDriverPathHint") }),
    form.field("veinDriverArgs", t("devVeinDriverArgs"), driverArgs, { hint: t("devVeinDriverArgsHint") }));
  const showDriver = () => {
    serialRows.classList.toggle("hidden", driver.value !== "serial");
    execRows.classList.toggle("hidden", driver.value !== "exec");
  };
  driver.addEventListener("change", showDriver);
  showDriver();
  const folder = h("input", { type: "text", value: cfg.hotFolder, class: "mono", autocomplete: "off", spellcheck: "false" });
  let scanners: DeviceScanner[] = (cfg.scanners ?? []).map((s) => ({ ...s }));
  const list = h("div", { class: "dev-scanners", testid: "dev-scanners" });
  const drawScanners = () => {
    mount(list, scanners.map((s, i) => {
      const name = h("input", { type: "text", value: s.name, on: { input: () => { s.name = name.value; } } });
      const url = h("input", { type: "url", value: s.url, class: "mono", placeholder: "https://192.0.2.10/eSCL",
        on: { input: () => { s.url = url.value; } } });
      const ca = h("textarea", { rows: "3", class: "mono", spellcheck: "false", on: { input: () => { s.caPem = ca.value; } } });
      ca.value = s.caPem;
      return h("fieldset", { class: "dev-scanner", testid: `dev-scanner-${i}` },
        form.field(`scanners.${i}.name`, t("devScannerName"), name, { required: true }),
        form.field(`scanners.${i}.url`, t("devScannerURL"), url, { required: true }),
        form.field(`scanners.${i}.caPem`, t("devScannerCA"), ca),
        h("div", { class: "actions" }, h("span", { class: "spacer" }),
          h("button", { class: "secondary small", type: "button", testid: `dev-scanner-${i}-remove`, on: { click: () => {
            scanners.splice(i, 1);
            drawScanners();
          } } }, t("devScannerRemove"))));
    }));
  };
  drawScanners();
  const saved = h("div", { class: "banner success hidden", role: "status", testid: "dev-config-saved" }, t("devSaved"));
  const save = h("button", { class: "primary", type: "submit", testid: "dev-config-save" }, t("save"));
  mount(el,
    h("form", { testid: "dev-config-form", on: { submit: (ev: Event) => {
      ev.preventDefault();
      form.clear();
      saved.classList.add("hidden");
      void busy(save, async () => {
        try {
          const args = driverArgs.value.split("\n").map((a) => a.trim()).filter((a) => a !== "");
          const out = await Devices.SetConfig({ veinDriver: driver.value, veinPort: vein.value, veinDriverPath: driverPath.value,
            veinDriverArgs: args, hotFolder: folder.value, scanners });
          driver.value = out.veinDriver;
          vein.value = out.veinPort;
          driverPath.value = out.veinDriverPath;
          driverArgs.value = (out.veinDriverArgs ?? []).join("\n");
          showDriver();
          folder.value = out.hotFolder;
          scanners = (out.scanners ?? []).map((s) => ({ ...s }));
          drawScanners();
          saved.classList.remove("hidden");
        } catch (e) {
          form.show(e);
        }
      });
    } } },
    h("h2", null, t("devSettings")),
    h("p", { class: "hint" }, t("devSettingsLead")),
    saved, form.banner,
    form.field("veinDriver", t("devVeinDriver"), driver, { hint: t("devVeinDriverHint") }),
    serialRows, execRows,
    form.field("hotFolder", t("devHotFolder"), folder, { hint: t("devHotFolderHint") }),
    h("h3", null, t("devScanners")),
    list,
    h("div", { class: "actions" },
      h("button", { class: "secondary", type: "button", testid: "dev-scanner-add", on: { click: () => {
        scanners.push({ name: "", url: "", caPem: "" });
        drawScanners();
      } } }, t("devScannerAdd")),
      h("span", { class: "spacer" }), save)));
}
