// The main window after login: the header (app, office, user, 前回ログイン情報), the menu from
// Go (Menu()), and the screen chosen in it.

import { h, mount } from "../h";
import { Session } from "../api";
import { errText, getLang, pick, t } from "../i18n";
import { dateTime, longDate } from "../format";
import type { App } from "../app";
import type { MenuItem, MenuSection, SessionState } from "../contract.gen";
import { dateStyleToggle, langToggle, loading } from "../ui/layout";
import { renderWelcome } from "./welcome";
import { renderOffice } from "./office";
import { renderUsers } from "./users";
import { renderCompanies } from "./companies";
import { renderHandlers } from "./handlers";
import { renderHistory } from "./history";
import { renderEmployees } from "./employees";
import { renderCollect } from "./collect";
import { renderUse } from "./use";
import { renderDispose } from "./dispose";
import { renderShare } from "./share";
import { renderSync } from "./sync";
import { showDisposeAlert } from "./disposeAlert";
import { renderNotBuilt } from "./notBuilt";
import { renderDevices } from "./devices";
import { factorsButton } from "./factors";

/** A screen draws itself into content; item is its menu entry (title, ポイント). */
export type Screen = (app: App, item: MenuItem | undefined, content: HTMLElement) => void;

const screens: Record<string, Screen> = {
  "M-1": renderOffice,
  "M-2": renderUsers,
  "M-3": renderCompanies,
  "M-4": renderDevices,
  "M-5": renderSync,
  "1-1": renderHandlers,
  "1-2": renderEmployees,
  "1-3": renderCollect,
  "2-1": renderHistory,
  "3-1": renderUse,
  "4-1": renderDispose,
  "M-6": renderShare,
};

// The menu is fetched once per session state (a new login or refresh fetches it again).
let menuCache: { state: SessionState; menu: MenuSection[] } | null = null;

/** refreshMenu fetches the menu again and redraws it in place, for a change that alters what
 *  this user may open (1-1 gives or takes a role of the user who is logged in). */
function refreshMenu(app: App): void {
  menuCache = null;
  const s = app.state;
  if (!s) return;
  Session.Menu().then((m) => {
    menuCache = { state: s, menu: m ?? [] };
    const nav = document.querySelector<HTMLElement>('[data-testid="menu"]');
    if (nav && app.state === s) mount(nav, menuTree(app, menuCache.menu));
  }, () => { /* the next screen change fetches it again */ });
}

export function renderHome(app: App): HTMLElement {
  const s = app.state!;
  app.refreshMenu = () => refreshMenu(app);
  const nav = h("nav", { class: "menu", testid: "menu", "aria-label": t("menu") }, loading());
  const content = h("main", { class: "content", testid: "content" });
  const shell = h("div", { class: "shell", testid: "home" }, header(app, s), h("div", { class: "body" }, nav, content));
  const draw = (menu: MenuSection[]) => {
    mount(nav, menuTree(app, menu));
    const item = findItem(menu, app.screen);
    if (!app.screen) {
      renderWelcome(app, menu, content);
      showDisposeAlert(app, menu, content);
    } else if (item && item.available && item.enabled && screens[item.id]) {
      screens[item.id](app, item, content);
    } else if (item && item.available && item.enabled) {
      renderNotBuilt(app, item, content);
    } else {
      app.screen = "";
      renderWelcome(app, menu, content);
    }
  };
  if (menuCache && menuCache.state === s) {
    draw(menuCache.menu);
  } else {
    Session.Menu().then(
      (m) => {
        menuCache = { state: s, menu: m ?? [] };
        if (app.state === s) draw(menuCache.menu);
      },
      (e) => mount(nav, h("div", { class: "banner error", role: "alert" }, errText(e))),
    );
  }
  return shell;
}

function findItem(menu: MenuSection[], id: string): MenuItem | undefined {
  for (const sec of menu) for (const it of sec.items ?? []) if (it.id === id) return it;
  return undefined;
}

function header(app: App, s: SessionState): HTMLElement {
  return h("header", { class: "app-head", testid: "header" },
    h("div", { class: "brand" },
      h("button", { class: "brand-name link-plain", type: "button", testid: "brand", on: { click: () => app.go("") } },
        s.appName || "MYNUMBER SHELTER"),
      h("span", { class: "brand-version", testid: "version" }, `Ver.${s.version}`),
      h("span", { class: "today" }, longDate(new Date(), getLang()))),
    h("div", { class: "who" },
      h("div", { class: "office", testid: "header-office" }, s.office?.name ?? ""),
      h("div", { class: "user", testid: "header-user" },
        s.user?.displayName ?? "", s.user?.isAdmin ? h("span", { class: "tag" }, t("admin")) : null)),
    h("div", { class: "last-login", testid: "last-login" },
      h("div", { class: "last-title" }, t("previousLogin")),
      h("div", null, h("span", { class: "inout" }, "IN"), h("span", { testid: "previous-in" }, dateTime(s.previousIn))),
      h("div", null, h("span", { class: "inout" }, "OUT"), h("span", { testid: "previous-out" }, dateTime(s.previousOut)))),
    h("div", { class: "head-actions" },
      langToggle(app),
      dateStyleToggle(app),
      factorsButton(app),
      h("button", { class: "secondary small", type: "button", testid: "lock-button", on: { click: async () => {
        try { await Session.Lock(); } catch { /* refresh shows the real state */ }
        await app.refresh();
      } } }, t("lock"))));
}

function menuTree(app: App, menu: MenuSection[]): HTMLElement {
  const list = h("ul", { class: "menu-sections" });
  let hasLogout = false;
  for (const sec of menu) {
    if (sec.id === "logout") {
      hasLogout = true;
      list.appendChild(logoutEntry(app));
      continue;
    }
    list.appendChild(h("li", { class: "menu-section", testid: `menu-section-${sec.id}` },
      h("div", { class: "menu-section-title" }, pick(sec.titleJa, sec.titleEn)),
      h("ul", null, (sec.items ?? []).map((it) => menuEntry(app, it)))));
  }
  if (!hasLogout) list.appendChild(logoutEntry(app));
  return list;
}

function menuEntry(app: App, it: MenuItem): HTMLElement {
  const title = pick(it.titleJa, it.titleEn);
  const label = [h("span", { class: "item-id" }, it.id), h("span", { class: "item-title" }, title)];
  if (!it.available) {
    return h("li", { class: "menu-item unavailable", testid: `menu-${it.id}`, "aria-disabled": "true", title: t("comingLater") },
      label, h("span", { class: "item-note", testid: `menu-${it.id}-note` }, t("comingLater")));
  }
  if (!it.enabled) {
    const reason = pick(it.reasonJa, it.reasonEn);
    return h("li", { class: "menu-item disabled", testid: `menu-${it.id}`, "aria-disabled": "true", title: reason },
      label, reason ? h("span", { class: "item-note", testid: `menu-${it.id}-note` }, reason) : null);
  }
  return h("li", { class: "menu-item" + (app.screen === it.id ? " current" : "") },
    h("button", { type: "button", testid: `menu-${it.id}`, "aria-current": app.screen === it.id ? "page" : null,
      on: { click: () => app.go(it.id) } }, label));
}

function logoutEntry(app: App): HTMLElement {
  return h("li", { class: "menu-section logout" },
    h("button", { type: "button", class: "logout-button", testid: "logout", on: { click: () => app.logout() } }, t("logout")));
}
