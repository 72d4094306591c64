// The クラウド複製 panel of M-5: the office replica's state (last upload, changes not yet
// uploaded, size, a snapshot waiting in the bridge, the last error), 今すぐアップロード, and a
// one-time restore code for a new PC.

import { h, mount } from "../h";
import { Replica } from "../api_backup";
import type { ReplicaView } from "../contract.gen";
import { errText, t } from "../i18n";
import { bytes, dateTime } from "../format";
import { busy } from "../ui/form";

export function replicaPanel(say: (text: string) => void, fail: (e: unknown) => void): HTMLElement {
  const section = h("section", { class: "panel replica", testid: "replica-panel" });
  const draw = async (): Promise<void> => {
    let v: ReplicaView;
    try {
      v = await Replica.Status();
    } catch (e) {
      mount(section, h("h2", null, t("replicaHead")), h("div", { class: "banner error", role: "alert", testid: "replica-error" }, errText(e)));
      return;
    }
    if (!v.enrolled) {
      mount(section, h("h2", null, t("replicaHead")), h("p", { class: "hint" }, t("replicaLead")),
        h("p", { class: "muted", testid: "replica-not-enrolled" }, t("replicaNotEnrolled")));
      return;
    }
    const upload = h("button", { class: v.pending > 0 ? "primary" : "secondary", type: "button", testid: "replica-upload" }, t("replicaUpload"));
    upload.addEventListener("click", () => void busy(upload, async () => {
      try {
        await Replica.UploadNow();
        await draw();
        say(t("replicaUploaded"));
      } catch (e) { fail(e); }
    }));
    const codeBtn = h("button", { class: "secondary", type: "button", testid: "replica-code" }, t("replicaCode"));
    const code = h("div", { class: "banner info hidden", role: "status", testid: "replica-code-shown" });
    codeBtn.addEventListener("click", () => void busy(codeBtn, async () => {
      try {
        const rc = await Replica.RestoreCode();
        code.textContent = t("replicaCodeShown").replace("{code}", rc.code).replace("{expires}", dateTime(rc.expires));
        code.classList.remove("hidden");
      } catch (e) { fail(e); }
    }));
    const row = (label: string, value: string, testid: string) => [h("dt", null, label), h("dd", { testid }, value)];
    mount(section,
      h("h2", null, t("replicaHead")),
      h("p", { class: "hint" }, t("replicaLead")),
      h("dl", { class: "sync-facts" },
        row(t("replicaLast"), v.lastAt ? dateTime(v.lastAt) : t("replicaNever"), "replica-last"),
        v.lastBytes ? row(t("replicaSize"), bytes(v.lastBytes), "replica-size") : null,
        row(t("replicaPending"), String(v.pending), "replica-pending"),
        v.waiting ? row("", t("replicaWaiting").replace("{size}", bytes(v.waitingBytes)), "replica-waiting") : null,
        v.lastError ? row(t("replicaError"), v.lastError, "replica-last-error") : null),
      code,
      h("div", { class: "actions" }, codeBtn, h("span", { class: "spacer" }), upload));
  };
  void draw();
  return section;
}
