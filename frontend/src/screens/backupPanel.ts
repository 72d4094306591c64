// The バックアップ panel of M-5: when and where the last backup set was made, the reminder when
// it is old, and making a new one into a folder (the desktop's folder chooser, or a typed path
// in a browser).

import { h, mount } from "../h";
import { Backup } from "../api_backup";
import type { BackupStatus } from "../contract.gen";
import { errText, t } from "../i18n";
import { dateTime } from "../format";
import { Form, busy, input } from "../ui/form";
import { folderRow } from "./restoreBackup";

export function backupPanel(say: (text: string) => void): HTMLElement {
  const section = h("section", { class: "panel backup", testid: "backup-panel" });
  const draw = async (): Promise<void> => {
    let st: BackupStatus;
    try {
      st = await Backup.Status();
    } catch (e) {
      mount(section, h("h2", null, t("backupHead")), h("div", { class: "banner error", role: "alert" }, errText(e)));
      return;
    }
    const form = new Form("backup");
    const folder = input("text", st.lastFolder ? parentOf(st.lastFolder) : "", { autocomplete: "off", spellcheck: "false" });
    const make = h("button", { class: st.due ? "primary" : "secondary", type: "button", testid: "backup-make" }, t("backupMake"));
    make.addEventListener("click", () => void busy(make, async () => {
      form.clear();
      try {
        const made = await Backup.Make(folder.value);
        await draw();
        say(t("backupMade").replace("{folder}", made.folder));
      } catch (e) {
        form.show(e);
      }
    }));
    mount(section,
      h("h2", null, t("backupHead")),
      h("p", { class: "hint" }, t("backupLead")),
      st.due ? h("div", { class: "banner warn", role: "status", testid: "backup-due" },
        t("backupDue").replace("{days}", String(st.remindDays))) : null,
      h("dl", { class: "sync-facts" },
        h("dt", null, t("backupLast")), h("dd", { testid: "backup-last" }, st.lastAt ? dateTime(st.lastAt) : t("backupNever")),
        st.lastFolder ? [h("dt", null, t("backupLastFolder")), h("dd", { class: "mono", testid: "backup-last-folder" }, st.lastFolder)] : null),
      form.banner,
      folderRow(form, "folder", t("backupFolder"), folder, Backup.ChooseFolder),
      h("div", { class: "actions" }, h("span", { class: "spacer" }), make));
  };
  void draw();
  return section;
}

/** parentOf is the folder a backup set was made in (the set is a folder inside it). */
function parentOf(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i > 0 ? path.slice(0, i) : path;
}
