// The home panel: a greeting and the workflow at a glance, each screen with its ポイント text.

import { h, mount } from "../h";
import { pick, t } from "../i18n";
import type { App } from "../app";
import type { MenuSection } from "../contract.gen";

export function renderWelcome(app: App, menu: MenuSection[], content: HTMLElement): void {
  const name = app.state?.user?.displayName ?? "";
  const sections = menu.filter((s) => s.id !== "logout" && (s.items ?? []).length > 0);
  mount(content,
    h("section", { class: "welcome", testid: "welcome" },
      h("h1", { testid: "welcome-title" }, t("welcome").replace("{name}", name)),
      h("p", { class: "lead" }, t("welcomeLead")),
      app.state?.backupDue ? h("div", { class: "banner warn", role: "status", testid: "welcome-backup-due" },
        t("backupReminderHome"), " ",
        h("button", { class: "link", type: "button", testid: "welcome-backup-go", on: { click: () => app.go("M-5") } }, t("backupGoM5"))) : null,
      h("div", { class: "overview" },
        sections.map((sec) =>
          h("div", { class: "overview-section" },
            h("h2", null, pick(sec.titleJa, sec.titleEn)),
            (sec.items ?? []).map((it) => {
              const open = it.available && it.enabled;
              return h("article", { class: "overview-item" + (open ? "" : " muted") },
                h("h3", null, h("span", { class: "badge id" }, it.id), " ",
                  open
                    ? h("button", { class: "link", type: "button", on: { click: () => app.go(it.id) } }, pick(it.titleJa, it.titleEn))
                    : pick(it.titleJa, it.titleEn),
                  !it.available ? h("span", { class: "tag muted" }, t("comingLater")) : null),
                h("p", null, pick(it.summaryJa, it.summaryEn)));
            }))))));
}
