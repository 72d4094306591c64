// The application shell: holds the session state from Go and decides which screen to show.
// Every decision follows SessionState; the frontend never assumes a login succeeded or a lock
// ended without asking Go again.

import { h, mount } from "./h";
import { ApiError, Session, onSessionError, onStepUp, parseError, type SessionCode } from "./api";
import { askStepUp } from "./ui/stepUp";
import { errText, getLang, setLang, t, type Lang } from "./i18n";
import type { SessionState } from "./contract.gen";
import { Idle } from "./idle";
import { renderSetup, setupProgress } from "./screens/setup";
import { renderLogin } from "./screens/login";
import { renderRecover } from "./screens/recover";
import { renderUnlock } from "./screens/unlock";
import { renderChangePassword } from "./screens/changePassword";
import { renderKitRenewal } from "./screens/kitRenewal";
import { renderHome } from "./screens/home";
import { Code } from "./contract.gen";

/** Public views that the user can pick while not logged in. */
export type PublicView = "login" | "recover";

export class App {
  state: SessionState | null = null;
  /** view chosen by the user on the logged-out side. */
  publicView: PublicView = "login";
  /** notice is a one-shot message shown on the next login screen (e.g. "session expired"). */
  notice: string | null = null;
  /** screen is the home screen's current menu item id ("" = welcome). */
  screen = "";
  /** shownLogin is the language the login form on screen was drawn in ("" when none is shown). */
  private shownLogin = "";
  /** setupActive keeps the wizard on screen until its Recovery Kit is confirmed. */
  setupActive = false;
  /** refreshMenu fetches and redraws the menu (home sets it while it is shown), for a change
   *  that alters what this user may open (1-1 gives or takes a role of the user at the keyboard). */
  refreshMenu: () => void = () => {};
  readonly idle: Idle;

  constructor(readonly root: HTMLElement) {
    this.idle = new Idle(this);
    onSessionError((code) => this.sessionLost(code));
    onStepUp(askStepUp);
  }

  /** refresh asks Go for the state and shows the matching screen. */
  async refresh(): Promise<void> {
    try {
      this.state = await Session.State();
    } catch (e) {
      this.fatal(parseError(e));
      return;
    }
    if (this.state.lang === "en" || this.state.lang === "ja") setLang(this.state.lang);
    this.render();
  }

  /** adopt takes a state returned by Login/Recover without another round trip. */
  adopt(s: SessionState): void {
    this.state = s;
    this.render();
  }

  /** render draws the screen that the current state calls for. */
  render(): void {
    const s = this.state;
    document.documentElement.lang = getLang();
    if (!s) return;
    this.idle.update(s);
    let view: HTMLElement;
    let title: string;
    if (this.setupActive || !s.initialized) {
      view = renderSetup(this);
      title = `${t("setupTitle")} ${setupProgress()}`;
    } else if (s.problem || (!s.loggedIn && this.publicView === "recover")) {
      view = renderRecover(this);
      title = t("recoverTitle");
    } else if (!s.loggedIn) {
      // A second render of the same login form (a call that failed as the session ended, then
      // the refresh after it) would replace what the user has begun to type.
      if (this.shownLogin === getLang() && this.root.querySelector('[data-testid="login-form"]')) return;
      view = renderLogin(this);
      title = t("loginTitle");
    } else if (s.locked) {
      view = renderUnlock(this);
      title = t("lock");
    } else if (s.mustChangePassword) {
      view = renderChangePassword(this);
      title = t("changePassword");
    } else if (s.recoveryKitPending && s.user?.isAdmin) {
      view = renderKitRenewal(this);
      title = t("kitPendingTitle");
    } else {
      view = renderHome(this);
      title = t("menu");
    }
    mount(this.root, view);
    this.shownLogin = view.querySelector('[data-testid="login-form"]') ? getLang() : "";
    setTitle(title);
    const focus = this.root.querySelector<HTMLElement>("[autofocus]");
    focus?.focus();
  }

  /** changeLanguage switches the display language and stores the choice in Go. */
  async changeLanguage(lang: Lang): Promise<void> {
    setLang(lang);
    if (this.state) this.state.lang = lang;
    try {
      await Session.SetLanguage(lang);
    } catch {
      /* the choice still applies to this window; Go may refuse before setup */
    }
    this.render();
  }

  /** go opens a home screen by menu id ("" = welcome). */
  go(id: string): void {
    this.screen = id;
    this.render();
  }

  async logout(): Promise<void> {
    try {
      await Session.Logout();
    } catch {
      /* the session may already be gone; show login either way */
    }
    this.screen = "";
    this.publicView = "login";
    await this.refresh();
  }

  /** sessionLost reacts to a call that failed because the session is locked or over. */
  private sessionLost(code: SessionCode): void {
    if (!this.state) return;
    if (code === Code.Locked) {
      if (this.state.locked) return;
      this.state.locked = true;
    } else if (code === Code.MustChangePassword) {
      if (this.state.mustChangePassword || !this.state.loggedIn) return;
      this.state.mustChangePassword = true;
    } else {
      if (!this.state.loggedIn) return;
      this.state.loggedIn = false;
      this.state.locked = false;
      this.screen = "";
      this.notice = code === Code.SessionExpired ? t("sessionExpired") : t("loggedOutNotice");
    }
    // Let the failing caller finish its own error handling first.
    setTimeout(() => this.render(), 0);
  }

  private fatal(err: ApiError): void {
    mount(
      this.root,
      h(
        "div",
        { class: "public" },
        h(
          "div",
          { class: "card narrow" },
          h("h1", null, "MYNUMBER SHELTER"),
          h("div", { class: "banner error", role: "alert", testid: "fatal-error" }, errText(err)),
          h("button", { class: "primary", on: { click: () => this.refresh() } }, t("retry")),
        ),
      ),
    );
  }
}

/** setTitle names the window after the screen ("初期設定 3/4 二要素認証 — MYNUMBER SHELTER"): the
 *  task bar shows where the app is, and the window test (scripts/window-screenshot.sh) waits
 *  for a screen by its title. In a browser it is the document's title. */
function setTitle(screen: string): void {
  const title = `${screen} — MYNUMBER SHELTER`;
  document.title = title;
  const rt = (window as any).runtime;
  if (typeof rt?.WindowSetTitle === "function") rt.WindowSetTitle(title);
}
