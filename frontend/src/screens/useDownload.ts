// 3-1, マイナンバーCSVダウンロード: format, purpose, who (the people checked in the list, or
// everyone), CSV or a password-protected .xlsx. A bulk download asks for the login password
// again (a dialog; Go checks it and never keeps it). Go writes the file and records it as 持出し;
// the screen saves it (a Blob behind an <a download>), shows the row count and the people Go
// left out, and keeps nothing of the file.

import { h, mount } from "../h";
import { parseError, type ApiError } from "../api";
import { Use } from "../api_use";
import { pick, t, type Key } from "../i18n";
import type {
  DownloadFormat, DownloadProblem, NumberDownload, NumberDownloadRequest, SkippedPerson,
} from "../contract.gen";
import { openDialog } from "../ui/dialog";
import { saveFile } from "../ui/save";
import { Form, busy, input } from "../ui/form";
import type { UseCtx } from "./use";
import { Code } from "../contract.gen";

const skipReasons: Record<string, Key> = {
  not_notified: "useSkipNotNotified",
  no_number: "useSkipNoNumber",
  disposed: "useSkipDisposed",
};

/** formatValue names a format in the select: "p:<preset>" or "f:<id>". */
function formatValue(f: DownloadFormat): string {
  return f.id ? `f:${f.id}` : `p:${f.preset}`;
}

/** downloadPanel is the download form under the list; selectionChanged updates the count. */
export function downloadPanel(ctx: UseCtx): { el: HTMLElement; selectionChanged(): void } {
  const form = new Form("use-dl");
  const format = h("select", null);
  const purpose = h("select", null, h("option", { value: "" }, t("usePurposeChoose")),
    ctx.purposes.filter((p) => p.code !== "OTHER").map((p) => h("option", { value: p.code }, pick(p.ja, p.en))));
  const checked = h("input", { type: "radio", name: "use-dl-target", value: "checked", checked: true, testid: "use-dl-checked" });
  const everyone = h("input", { type: "radio", name: "use-dl-target", value: "all", testid: "use-dl-all" });
  const checkedLabel = h("span", { testid: "use-dl-checked-count" });
  const deps = h("input", { type: "checkbox", testid: "use-dl-deps" });
  const csv = h("input", { type: "radio", name: "use-dl-type", value: "csv", checked: true, testid: "use-dl-csv" });
  const xlsx = h("input", { type: "radio", name: "use-dl-type", value: "xlsx", testid: "use-dl-xlsx" });
  const filePassword = input("password", "", { autocomplete: "new-password", maxlength: "128" });
  const filePwRow = form.field("filePassword", t("useDlFilePassword"), filePassword, { hint: t("useDlFilePasswordHint") });
  filePwRow.classList.add("hidden");
  const syncType = () => filePwRow.classList.toggle("hidden", !xlsx.checked);
  csv.addEventListener("change", syncType);
  xlsx.addEventListener("change", syncType);
  const submit = h("button", { class: "primary", type: "submit", testid: "use-dl-submit" }, t("useDlSubmit"));
  const result = h("div", { testid: "use-dl-result" });
  const note = h("p", { class: "hint" });

  const formats: DownloadFormat[] = [];
  Use.Formats(ctx.company.id).then(
    (fs) => {
      formats.push(...(fs ?? []));
      mount(format, formats.map((f) => h("option", { value: formatValue(f) }, f.name + (f.id ? "" : `（${t("useFmtBuiltIn")}）`))));
      const saved = formats.find((f) => f.id);
      if (saved) format.value = formatValue(saved); // the company's own format before the preset
      showNote();
    },
    (e) => form.show(e),
  );
  const showNote = () => {
    const f = formats.find((x) => formatValue(x) === format.value);
    note.textContent = f ? pick(f.noteJa, f.noteEn) : "";
  };
  format.addEventListener("change", showNote);

  const request = (): NumberDownloadRequest => {
    const f = formats.find((x) => formatValue(x) === format.value);
    return {
      companyId: ctx.company.id, formatId: f?.id ?? 0, preset: f && !f.id ? f.preset : "",
      personIds: everyone.checked ? [] : [...ctx.selected], all: everyone.checked, includeDependents: deps.checked,
      purpose: purpose.value, fileType: xlsx.checked ? "xlsx" : "csv", filePassword: xlsx.checked ? filePassword.value : "",
      password: "", substitute: false, omit: false,
    };
  };
  /** done saves a finished file, or, when Go listed rows the format cannot hold, asks what to do
   *  and downloads again with the choice (the login password, if one was needed, once more). */
  const done = (f: NumberDownload, req: NumberDownloadRequest) => {
    if (f.problems?.length) {
      askProblems(f.problems, req, (choice) => {
        const next = { ...req, ...choice, password: "" };
        if (next.all || next.includeDependents || (next.personIds?.length ?? 0) > 1) askPassword(next, done, (e) => form.show(e));
        else void Use.Download(next).then((g) => done(g, next), (e) => form.show(parseError(e)));
      });
      return;
    }
    filePassword.value = "";
    void saveFile(f).then((where) => { if (where) showResult(result, f, where); }, (e) => form.show(parseError(e)));
  };
  /** forPassword reports whether err belongs to the password dialog. */
  const forPassword = (err: ApiError) =>
    err.field === "password" || err.code === Code.PasswordRequired || err.code === Code.BadCredentials;

  const el = h("form", { class: "panel wide-panel use-download", testid: "use-dl-form", autocomplete: "off", on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    mount(result);
    const req = request();
    if (!req.all && !req.personIds?.length) {
      form.message(t("useDlNoneChecked"));
      return;
    }
    if (req.all || req.includeDependents || (req.personIds?.length ?? 0) > 1) {
      askPassword(req, done, (e) => form.show(e));
      return;
    }
    void busy(submit, async () => {
      try {
        done(await Use.Download(req), req);
      } catch (e) {
        const err = parseError(e);
        if (forPassword(err)) askPassword(req, done, (x) => form.show(x));
        else form.show(err);
      }
    });
  } } },
    h("h2", null, t("useDlTitle")),
    form.banner,
    h("div", { class: "grid2" },
      h("div", null, form.field("format", t("useDlFormat"), format), note),
      form.field("purpose", t("useDlPurpose"), purpose, { required: true, hint: t("useDlPurposeHint") }),
      form.field("selection", t("useDlTarget"), h("div", { class: "choices" },
        h("label", { class: "check" }, checked, checkedLabel),
        h("label", { class: "check" }, everyone, t("useDlAll")),
        h("label", { class: "check" }, deps, t("useDlIncludeDeps")))),
      h("div", null,
        form.field("fileType", t("useDlFileType"), h("div", { class: "choices" },
          h("label", { class: "check" }, csv, t("useDlCsv")),
          h("label", { class: "check" }, xlsx, t("useDlXlsx")))),
        filePwRow)),
    h("div", { class: "actions" }, submit),
    result);
  const selectionChanged = () => {
    checkedLabel.textContent = t("useDlChecked").replace("{n}", String(ctx.selected.size));
  };
  selectionChanged();
  return { el, selectionChanged };
}

/** askPassword asks for the login password, then downloads; errors about anything else go back
 *  to the download form through other(). */
function askPassword(req: NumberDownloadRequest, done: (f: NumberDownload, req: NumberDownloadRequest) => void, other: (e: ApiError) => void): void {
  const form = new Form("use-dl-pw");
  const pw = input("password", "", { autocomplete: "current-password", maxlength: "1024" });
  const ok = h("button", { class: "primary", type: "submit", form: "use-dl-pw-form", testid: "use-dl-pw-submit" },
    t("useDlPasswordSubmit"));
  const body = h("form", { id: "use-dl-pw-form", testid: "use-dl-pw-form", autocomplete: "off", on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    void busy(ok, async () => {
      try {
        const f = await Use.Download({ ...req, password: pw.value });
        pw.value = "";
        dlg.close();
        done(f, req);
      } catch (e) {
        pw.value = "";
        const err = parseError(e);
        if (err.field === "password" || err.code === Code.BadCredentials || err.code === Code.PasswordRequired) {
          form.show(err);
        } else {
          dlg.close();
          if (err.code !== Code.Locked && err.code !== Code.SessionExpired && err.code !== Code.Unauthenticated) other(err);
        }
      }
    });
  } } },
    h("p", null, t("useDlPasswordLead")), form.banner, form.field("password", t("password"), pw, { required: true }));
  const dlg = openDialog({
    title: t("useDlPasswordTitle"), testid: "use-dl-pw-dialog", body,
    actions: [h("button", { class: "secondary", type: "button", on: { click: () => dlg.close() } }, t("cancel")), ok],
    onClose: () => { pw.value = ""; },
  });
  pw.focus();
}

/** personName names a person as the user knows them: code, name and 続柄. */
function personName(p: SkippedPerson | DownloadProblem): string {
  return t("usePersonNamed").replace("{code}", p.employeeCode).replace("{name}", p.name).replace("{relation}", p.relation);
}

/** askProblems lists the rows the format cannot hold and offers the choices that can help. */
function askProblems(problems: DownloadProblem[], req: NumberDownloadRequest,
  choose: (c: { substitute: boolean; omit: boolean }) => void): void {
  const unencodable = problems.some((p) => p.kind === "unencodable");
  const pickChoice = (substitute: boolean, omit: boolean) => () => { dlg.close(); choose({ substitute, omit }); };
  const actions: HTMLElement[] = [h("button", { class: "secondary", type: "button", testid: "use-dl-problems-cancel", on: { click: () => dlg.close() } }, t("cancel"))];
  if (unencodable && !req.substitute) {
    actions.push(h("button", { class: "secondary", type: "button", testid: "use-dl-substitute", on: { click: pickChoice(true, false) } }, t("useDlSubstitute")));
    actions.push(h("button", { class: "secondary", type: "button", testid: "use-dl-substitute-omit", on: { click: pickChoice(true, true) } }, t("useDlSubstituteOmit")));
  }
  actions.push(h("button", { class: "primary", type: "button", testid: "use-dl-omit", on: { click: pickChoice(req.substitute, true) } }, t("useDlOmit")));
  const dlg = openDialog({
    title: t("useDlProblemsTitle"), testid: "use-dl-problems", actions,
    body: h("div", null, h("p", null, t("useDlProblemsLead")),
      h("ul", { class: "problem-list" }, problems.map((p) => h("li", { testid: `use-dl-problem-${p.personId}` }, pick(p.messageJa, p.messageEn))))),
  });
}

function showResult(el: HTMLElement, f: NumberDownload, where: string): void {
  const skipped = f.skipped ?? [];
  const substituted = f.substituted ?? [];
  const omitted = f.omitted ?? [];
  mount(el,
    h("div", { class: "banner success", role: "status", testid: "download-ready", "data-file": f.fileName, "data-rows": String(f.rows) },
      t("useDlDone").replace("{file}", where).replace("{n}", String(f.rows))),
    substituted.length
      ? h("div", { class: "banner warn", testid: "use-dl-substituted" },
          h("div", null, t("useDlSubstituted").replace("{n}", String(substituted.length))),
          h("ul", null, substituted.map((p) => h("li", null, pick(p.messageJa, p.messageEn)))))
      : null,
    omitted.length
      ? h("div", { class: "banner warn", testid: "use-dl-omitted" },
          h("div", null, t("useDlOmitted").replace("{n}", String(omitted.length))),
          h("ul", null, omitted.map((p) => h("li", { testid: `use-dl-omitted-${p.personId}` }, pick(p.messageJa, p.messageEn)))))
      : null,
    skipped.length
      ? h("div", { class: "banner warn", testid: "use-dl-skipped" },
          h("div", null, t("useDlSkipped").replace("{n}", String(skipped.length))),
          h("ul", null, skipped.map((s) => h("li", { testid: `use-dl-skipped-${s.personId}` },
            personName(s), "：", skipReasons[s.reason] ? t(skipReasons[s.reason]) : s.reason))))
      : null);
}
