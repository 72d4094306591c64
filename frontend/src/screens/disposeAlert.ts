// The home screen's disposal alert (4-1): how many employees' numbers have reached their
// disposal date over the companies the user is assigned to, and how many disposals wait for a
// 責任者 or for execution, with a link to 4-1. Go counts (DueCount); the alert is advisory, so
// a failed call shows nothing.

import { h } from "../h";
import { Dispose } from "../api_dispose";
import { t } from "../i18n";
import type { App } from "../app";
import type { MenuSection } from "../contract.gen";

/** showDisposeAlert adds the alert above the welcome panel in content once Go has counted,
 *  if the user may open 4-1 and anything is due or waiting. */
export function showDisposeAlert(app: App, menu: MenuSection[], content: HTMLElement): void {
  const item = menu.flatMap((s) => s.items ?? []).find((it) => it.id === "4-1");
  if (!item || !item.available || !item.enabled) return;
  const state = app.state;
  Dispose.DueCount().then(
    (c) => {
      const welcome = content.querySelector('[data-testid="welcome"]');
      if (app.state !== state || app.screen !== "" || !welcome || content.querySelector('[data-testid="dispose-alert"]')) return;
      if (c.ready + c.awaitingApproval + c.awaitingExecution <= 0) return;
      const n = (key: Parameters<typeof t>[0], v: number) => t(key).replace("{n}", String(v));
      content.insertBefore(
        h("div", { class: "banner warn dispose-alert", role: "status", testid: "dispose-alert" },
          c.ready > 0 ? h("div", { class: "dispose-alert-title", testid: "dispose-alert-ready" }, n("dispAlertReady", c.ready)) : null,
          c.overdue > 0 ? h("div", { testid: "dispose-alert-overdue" }, n("dispAlertOverdue", c.overdue)) : null,
          c.awaitingApproval > 0 ? h("div", { testid: "dispose-alert-approval" }, n("dispAlertApproval", c.awaitingApproval)) : null,
          c.awaitingExecution > 0 ? h("div", { testid: "dispose-alert-execution" }, n("dispAlertExecution", c.awaitingExecution)) : null,
          h("button", { class: "link", type: "button", testid: "dispose-alert-open", on: { click: () => app.go("4-1") } }, t("dispAlertOpen"))),
        welcome);
    },
    () => { /* advisory only: the 4-1 screen shows any error */ },
  );
}
