// events is the one place the frontend subscribes to Go's events. Inside Wails they come from
// runtime.EventsOn; in a browser (app/ui/webrpc) the binding script's runtime.EventsOn listens
// to the Server-Sent Events stream at /events. Either way the same names and data arrive.
// Events never carry a number, a PIN or an image.

import type { BridgeEvent, BridgeState } from "./contract.gen";

type Off = () => void;

function runtimeOn(name: string, fn: (data: any) => void): Off {
  const rt = (window as any).runtime;
  if (typeof rt?.EventsOn !== "function") return () => {};
  const off = rt.EventsOn(name, fn);
  return typeof off === "function" ? off : () => rt.EventsOff?.(name);
}

/** onBridgeEvent calls fn for every event of the shelter-bridge (card, scan, device state…). */
export function onBridgeEvent(fn: (e: BridgeEvent) => void): Off {
  return runtimeOn("bridge:event", (e) => { if (e && typeof e.type === "string") fn(e as BridgeEvent); });
}

/** onBridgeState calls fn when the app's connection to the bridge changes. */
export function onBridgeState(fn: (s: BridgeState) => void): Off {
  return runtimeOn("bridge:state", (s) => { if (s && typeof s === "object") fn(s as BridgeState); });
}

/** whileAttached runs off once el has left the document (a screen was replaced). */
export function whileAttached(el: Element, ...offs: Off[]): void {
  const timer = window.setInterval(() => {
    if (!el.isConnected) {
      window.clearInterval(timer);
      offs.forEach((off) => off());
    }
  }, 1000);
}
