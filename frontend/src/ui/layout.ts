// Shared page pieces: the logged-out page frame, the language toggle, and the title block
// with the seed's ポイント box that every menu screen starts with.

import { h, type Child } from "../h";
import { dateStyle, setDateStyle } from "../format";
import { getLang, pick, t } from "../i18n";
import type { App } from "../app";
import type { MenuItem } from "../contract.gen";

/** langToggle switches between 日本語 and English. */
export function langToggle(app: App): HTMLElement {
  const other = getLang() === "ja" ? "en" : "ja";
  return h(
    "button",
    {
      class: "lang-toggle",
      type: "button",
      testid: "lang-toggle",
      title: t("switchLanguage"),
      on: { click: () => app.changeLanguage(other) },
    },
    other === "en" ? "English" : "日本語",
  );
}

/** dateStyleToggle switches dates between 和暦 and ISO everywhere (format.ts), then redraws. */
export function dateStyleToggle(app: App): HTMLElement {
  const other = dateStyle() === "wareki" ? "iso" : "wareki";
  return h("button", {
    class: "lang-toggle", type: "button", testid: "date-style-toggle", "data-style": dateStyle(), title: t("dateStyleTitle"),
    on: { click: () => { setDateStyle(other); app.render(); } },
  }, other === "iso" ? t("dateStyleIso") : t("dateStyleWareki"));
}

/** publicPage frames a logged-out screen (setup, login, unlock, recovery). */
export function publicPage(app: App, testid: string, ...children: Child[]): HTMLElement {
  const s = app.state;
  return h(
    "div",
    { class: "public", testid },
    h(
      "header",
      { class: "public-head" },
      h("div", { class: "brand" }, h("span", { class: "brand-name" }, "MYNUMBER SHELTER"),
        s?.version ? h("span", { class: "brand-version" }, `Ver.${s.version}`) : null),
      langToggle(app),
    ),
    h("main", { class: "public-main" }, children),
  );
}

/** terminalNote is the notice of what this workstation may not do on a screen (取扱端末の限定:
 *  the administrator limited it; Go refuses those acts whatever the screen shows), or null when
 *  there is nothing to say. */
export function terminalNote(testid: string, refused: string[]): HTMLElement | null {
  if (refused.length === 0) return null;
  const gap = getLang() === "en" ? " " : "";
  return h("div", { class: "banner warn", role: "status", testid }, [...refused, t("terminalLimitedWhy")].join(gap));
}

/** screenHead is the title block of a menu screen: id, title, summary and the ポイント text. */
export function screenHead(item: MenuItem | undefined, fallbackTitle: string): HTMLElement {
  const title = item ? pick(item.titleJa, item.titleEn) : fallbackTitle;
  const summary = item ? pick(item.summaryJa, item.summaryEn) : "";
  const point = item ? pick(item.pointJa, item.pointEn) : "";
  return h(
    "div",
    { class: "screen-head" },
    h("div", { class: "screen-title" },
      item ? h("span", { class: "badge id" }, item.id) : null,
      h("h1", { testid: "screen-title" }, title)),
    summary ? h("p", { class: "summary" }, summary) : null,
    point
      ? h("aside", { class: "point", testid: "point" }, h("div", { class: "point-label" }, t("point")),
          h("div", { class: "point-text" }, point))
      : null,
  );
}

/** loading is a placeholder while a screen's data arrives. */
export function loading(): HTMLElement {
  return h("div", { class: "loading", testid: "loading" }, t("loading"));
}
