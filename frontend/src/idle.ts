// Idle handling. User activity is reported to Go with Touch() at most once per 30 s; Go owns the
// idle and absolute session limits and answers "locked" / "session_expired" when they are
// reached (api.ts routes those codes to the App). The window also locks itself after the idle
// period without activity, and asks Go for the state once a minute so a lock made elsewhere
// (another window, the absolute limit) shows without waiting for a click.

import { Session } from "./api";
import type { SessionState } from "./contract.gen";
import type { App } from "./app";

const touchEveryMs = 30_000;
const checkEveryMs = 15_000;
const pollEveryMs = 60_000;

export class Idle {
  private lastActivity = Date.now();
  private lastTouch = 0;
  private lastPoll = Date.now();
  private idleMs = 0;
  private active = false;
  private started = false;

  constructor(private app: App) {}

  /** update follows the session: idle tracking runs only while logged in and unlocked. */
  update(s: SessionState): void {
    this.active = s.loggedIn && !s.locked;
    this.idleMs = (s.idleMinutes || 0) * 60_000;
    if (this.active) this.lastActivity = Date.now();
    if (!this.started) this.start();
  }

  private start(): void {
    this.started = true;
    const onActivity = () => this.activity();
    for (const ev of ["mousedown", "mousemove", "keydown", "wheel", "touchstart"]) {
      window.addEventListener(ev, onActivity, { passive: true, capture: true });
    }
    window.setInterval(() => this.tick(), checkEveryMs);
  }

  private activity(): void {
    const now = Date.now();
    this.lastActivity = now;
    if (!this.active || now - this.lastTouch < touchEveryMs) return;
    this.lastTouch = now;
    Session.Touch().catch(() => {
      /* locked / expired are handled by the session hook; other failures are not the user's */
    });
  }

  private async tick(): Promise<void> {
    if (!this.active) return;
    const now = Date.now();
    if (this.idleMs > 0 && now - this.lastActivity >= this.idleMs) {
      this.active = false;
      try {
        await Session.Lock();
      } catch {
        /* already locked or expired: refresh shows whichever */
      }
      await this.app.refresh();
      return;
    }
    if (now - this.lastPoll >= pollEveryMs) {
      this.lastPoll = now;
      try {
        const s = await Session.State();
        const cur = this.app.state;
        if (!cur || s.loggedIn !== cur.loggedIn || s.locked !== cur.locked) this.app.adopt(s);
      } catch {
        /* handled by the session hook */
      }
    }
  }
}
