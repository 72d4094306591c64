// 1-2, CSV一括取込: the bulk import wizard.
//
//   1 ファイル選択  the file is read in the browser as base64 and inspected by Go (encoding,
//                   delimiter, header, a few sample lines with numbers masked by Go)
//   2 列の対応付け  each field → a column of the file; presets are saved per company
//   3 確認          ImportPreview: every problem by line and column, what would be added or
//                   updated (employees, and 扶養親族 when the file has any); the import cannot
//                   start while there is any problem
//   4 取込          ImportCommit, all or nothing, with a progress bar, then the result
//
// The file's contents stay in this wizard's closure only while the wizard is on screen: a new
// wizard (another tab, another company, a finished import) starts empty.

import { h, mount } from "../h";
import { filePicker } from "../ui/filePicker";
import { Employees } from "../api";
import { errText, pick, t, type Key } from "../i18n";
import type { ImportColumn, ImportInspection, ImportMapping, ImportPreset, ImportReport } from "../contract.gen";
import { confirmDialog } from "../ui/confirm";
import { Form, busy } from "../ui/form";
import type { Ctx } from "./employees";

type Step = 1 | 2 | 3 | 4;

const stepNames: Key[] = ["impStepFile", "impStepMap", "impStepPreview", "impStepCommit"];

/** readFile returns the file as a data: URL (base64), which Go accepts as it is. */
function readFile(f: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result ?? ""));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(f);
  });
}

function encodingLabel(enc: string): string {
  switch (enc) {
    case "utf-8": return "UTF-8";
    case "utf-8-bom": return t("encUtf8Bom");
    case "cp932": return t("encCp932");
    case "utf-16le": return "UTF-16 (LE)";
    case "utf-16be": return "UTF-16 (BE)";
  }
  return enc;
}

function delimiterLabel(d: string): string {
  if (d === ",") return t("delimComma");
  if (d === "\t") return t("delimTab");
  if (d === ";") return t("delimSemicolon");
  return d;
}

/** cleanHeader is a header as the mapping refers to it (Go compares normalised headers). */
function cleanHeader(s: string): string {
  return s.replace(/^\uFEFF/, "").trim();
}

export function renderImport(ctx: Ctx): void {
  const companyId = ctx.company.id;
  // The wizard's state. file holds the whole file (base64) between the steps.
  let file = "";
  let fileName = "";
  let inspection: ImportInspection | null = null;
  let mapping: ImportMapping = { noHeader: false, columns: [] };

  const steps = h("ol", { class: "steps", testid: "imp-steps" });
  const body = h("div", { class: "import-body" });
  mount(ctx.body, h("section", { class: "panel wide-panel", testid: "imp-wizard" }, h("h2", null, t("importTitle")), steps, body));

  const setStep = (n: Step) => {
    mount(steps, stepNames.map((k, i) =>
      h("li", { class: i + 1 === n ? "current" : i + 1 < n ? "done" : "", testid: `imp-step-${i + 1}` },
        h("span", { class: "step-no" }, String(i + 1)), t(k))));
  };

  const forget = () => {
    file = "";
    fileName = "";
    inspection = null;
  };

  // --- Step 1: the file.
  const chooseFile = (message = "") => {
    forget();
    setStep(1);
    const form = new Form("imp");
    const chooser = filePicker({ accept: ".csv,.txt,.tsv,text/csv,text/plain", testid: "imp-file" });
    const picker = chooser.input;
    const status = h("div", { class: "loading hidden", testid: "imp-reading" }, t("reading"));
    picker.addEventListener("change", () => {
      const f = picker.files?.[0];
      if (!f) return;
      form.clear();
      status.classList.remove("hidden");
      chooser.disable(true);
      readFile(f).then((data) => Employees.ImportInspect(companyId, data).then((ins) => {
        file = data;
        fileName = f.name;
        inspection = ins;
        mapping = { noHeader: false, columns: ins.guess.columns ?? [] };
        mapStep();
      })).catch((e) => {
        status.classList.add("hidden");
        chooser.disable(false);
        chooser.reset();
        form.show(e);
      });
    });
    mount(body,
      h("div", { testid: "imp-step-file" },
        message ? h("div", { class: "banner info", role: "status" }, message) : null,
        h("p", null, t("impFileLead")),
        h("ul", { class: "rules" }, h("li", null, t("impFileEncodings")), h("li", null, t("impFileColumns")),
          h("li", null, t("impFileDependents")), h("li", null, t("impFileAllOrNothing"))),
        form.banner,
        form.field("file", t("impFile"), chooser.el),
        status));
  };

  // --- Step 2: the column mapping.
  const mapStep = () => {
    const ins = inspection!;
    setStep(2);
    const header = ins.header ?? [];
    const width = Math.max(header.length, ...(ins.sample ?? []).map((r) => r?.length ?? 0));
    const noHeader = h("input", { type: "checkbox", checked: mapping.noHeader, testid: "imp-noheader" });
    const colName = (i: number) => !mapping.noHeader && header[i] ? `${i + 1}: ${cleanHeader(header[i])}` : t("columnN").replace("{n}", String(i + 1));
    // Which column (1-based, 0 = none) a mapping entry points at in this file.
    const resolve = (c: ImportColumn): number => {
      if (c.header && !mapping.noHeader) {
        const i = header.findIndex((x) => cleanHeader(x) === cleanHeader(c.header));
        return i + 1;
      }
      return c.index >= 1 && c.index <= width ? c.index : 0;
    };
    const selects = new Map<string, HTMLSelectElement>();
    const fieldRows = (ins.fields ?? []).map((f) => {
      const cur = (mapping.columns ?? []).find((c) => c.field === f.field);
      const at = cur ? resolve(cur) : 0;
      const sel = h("select", { testid: `imp-map-${f.field}` },
        h("option", { value: "0" }, t("notImported")),
        Array.from({ length: width }, (_, i) => h("option", { value: String(i + 1), selected: at === i + 1 }, colName(i))));
      selects.set(f.field, sel);
      return h("div", { class: "map-row" },
        h("label", null, pick(f.ja, f.en), f.required ? h("span", { class: "req" }, t("required")) : null), sel);
    });
    // read builds the mapping from the selects: by header name when it is unique, else by position.
    const read = (): ImportMapping => {
      const cols: ImportColumn[] = [];
      for (const [field, sel] of selects) {
        const n = Number(sel.value);
        if (!n) continue;
        const name = cleanHeader(header[n - 1] ?? "");
        const unique = name !== "" && header.filter((x) => cleanHeader(x) === name).length === 1;
        cols.push(!mapping.noHeader && unique ? { field, header: name, index: 0 } : { field, header: "", index: n });
      }
      return { noHeader: mapping.noHeader, columns: cols };
    };
    noHeader.addEventListener("change", () => {
      mapping = { ...read(), noHeader: noHeader.checked };
      // Header names mean nothing without a header line: keep the same columns by position.
      mapping.columns = (mapping.columns ?? []).map((c) => (c.header ? { ...c, header: "", index: header.findIndex((x) => cleanHeader(x) === c.header) + 1 } : c));
      mapStep();
    });

    const form = new Form("imp-map");
    const next = h("button", { class: "primary", type: "button", testid: "imp-preview" }, t("impCheck"));
    next.addEventListener("click", () => {
      form.clear();
      mapping = read();
      void busy(next, async () => {
        try {
          const rep = await Employees.ImportPreview(companyId, file, mapping);
          previewStep(rep);
        } catch (e) {
          form.show(e);
        }
      });
    });

    const sampleRows = ins.sample ?? [];
    const sample = h("table", { class: "grid compact sample", testid: "imp-sample" },
      h("thead", null, h("tr", null, Array.from({ length: width }, (_, i) => h("th", null, colName(i))))),
      h("tbody", null,
        mapping.noHeader ? h("tr", null, Array.from({ length: width }, (_, i) => h("td", null, header[i] ?? ""))) : null,
        sampleRows.map((r) => h("tr", null, Array.from({ length: width }, (_, i) => h("td", null, r?.[i] ?? ""))))));

    mount(body,
      h("div", { testid: "imp-step-map" },
        h("dl", { class: "facts" },
          h("dt", null, t("impFile")), h("dd", { testid: "imp-file-name" }, fileName),
          h("dt", null, t("encoding")), h("dd", { testid: "imp-encoding" }, encodingLabel(ins.encoding)),
          h("dt", null, t("delimiter")), h("dd", null, delimiterLabel(ins.delimiter)),
          h("dt", null, t("dataLines")), h("dd", { testid: "imp-rows" }, String(mapping.noHeader ? ins.rows + 1 : ins.rows))),
        h("label", { class: "check" }, noHeader, t("impNoHeader")),
        h("h3", null, t("impSample")),
        h("p", { class: "hint" }, t("impSampleMasked")),
        h("div", { class: "scroll-x" }, sample),
        h("h3", null, t("impMapping")),
        presetBar(companyId, read, (m) => { mapping = m; mapStep(); }),
        form.banner,
        h("div", { class: "map-grid", testid: "imp-mapping" }, fieldRows),
        h("div", { class: "actions" },
          h("button", { class: "secondary", type: "button", testid: "imp-rechoose", on: { click: () => chooseFile() } }, t("impOtherFile")),
          next)));
  };

  // --- Step 3: the preview.
  const previewStep = (rep: ImportReport, afterCommit = false) => {
    setStep(3);
    const problems = rep.problems ?? [];
    const blocked = rep.problemsTotal > 0;
    const commit = h("button", { class: "primary", type: "button", testid: "imp-commit", disabled: blocked }, t("impCommit"));
    commit.addEventListener("click", () => {
      if (rep.problemsTotal > 0) return;
      commitStep();
    });
    mount(body,
      h("div", { testid: "imp-step-preview" },
        counts(rep),
        blocked
          ? h("div", { class: "banner error", role: "alert", testid: "imp-blocked" },
              (afterCommit ? t("impCommitRefused") + " " : "") + t("impProblems").replace("{n}", String(rep.problemsTotal)))
          : h("div", { class: "banner success", role: "status", testid: "imp-ready" }, t("impReady")),
        problems.length
          ? h("table", { class: "grid compact problems", testid: "imp-problems" },
              h("thead", null, h("tr", null, h("th", { class: "num" }, t("line")), h("th", null, t("column")), h("th", null, t("problem")))),
              h("tbody", null, problems.map((p, i) =>
                h("tr", { testid: `imp-problem-${i + 1}`, "data-line": String(p.line), "data-column": p.column },
                  h("td", { class: "num" }, p.line ? String(p.line) : "—"),
                  h("td", { class: "nowrap" }, p.column || "—"),
                  h("td", null, pick(p.ja, p.en))))))
          : null,
        rep.problemsTotal > problems.length
          ? h("p", { class: "hint", testid: "imp-more-problems" }, t("impMoreProblems").replace("{n}", String(rep.problemsTotal - problems.length)))
          : null,
        (rep.warnings ?? []).length
          ? h("div", { class: "banner warn", testid: "imp-warnings" },
              h("div", null, t("impWarnings").replace("{n}", String(rep.warningsTotal))),
              h("ul", null, (rep.warnings ?? []).map((w, i) => h("li", { testid: `imp-warning-${i + 1}`, "data-line": String(w.line) },
                t("line"), " ", String(w.line), "（", w.column || "—", "）：", pick(w.ja, w.en)))))
          : null,
        blocked ? h("p", { class: "hint" }, t("impFixHint")) : null,
        h("div", { class: "actions" },
          h("button", { class: "secondary", type: "button", testid: "imp-back-map", on: { click: mapStep } }, t("impBackToMapping")),
          h("button", { class: "secondary", type: "button", testid: "imp-rechoose", on: { click: () => chooseFile() } }, t("impOtherFile")),
          commit)));
  };

  // --- Step 4: the import, then its result.
  const commitStep = () => {
    setStep(4);
    const bar = h("div", { class: "progress-bar" });
    const label = h("div", { class: "progress-label", testid: "imp-progress-label" }, t("impRunning"));
    const progress = h("div", { class: "progress indeterminate", role: "progressbar", "aria-busy": "true", testid: "imp-progress" }, bar);
    mount(body, h("div", { testid: "imp-step-commit" }, label, progress, h("p", { class: "hint" }, t("impDoNotClose"))));
    // In the desktop app Go may report progress as a Wails event; without it the bar is indeterminate.
    const rt = (window as any).runtime;
    let off: unknown = null;
    if (typeof rt?.EventsOn === "function") {
      off = rt.EventsOn(`import:progress:${companyId}`, (done: number, total: number) => {
        if (!(total > 0)) return;
        progress.classList.remove("indeterminate");
        progress.setAttribute("aria-valuenow", String(done));
        progress.setAttribute("aria-valuemax", String(total));
        bar.style.width = `${Math.min(100, Math.round((done / total) * 100))}%`;
        label.textContent = t("impProgress").replace("{done}", String(done)).replace("{total}", String(total));
      });
    }
    Employees.ImportCommit(companyId, file, mapping).then(
      (rep) => {
        if (!rep.committed) {
          previewStep(rep, true);
          return;
        }
        forget();
        resultStep(rep);
      },
      (e) => {
        mount(body, h("div", { testid: "imp-step-commit" },
          h("div", { class: "banner error", role: "alert", testid: "imp-commit-error" }, errText(e)),
          h("p", { class: "hint" }, t("impNothingWritten")),
          h("div", { class: "actions" },
            h("button", { class: "secondary", type: "button", testid: "imp-back-map", on: { click: mapStep } }, t("impBackToMapping")))));
      },
    ).finally(() => {
      if (typeof off === "function") off();
    });
  };

  const resultStep = (rep: ImportReport) => {
    setStep(4);
    mount(body,
      h("div", { testid: "imp-step-result" },
        h("div", { class: "banner success", role: "status", testid: "imp-result" }, t("impDone")),
        counts(rep),
        h("div", { class: "actions" },
          h("button", { class: "secondary", type: "button", testid: "imp-again", on: { click: () => chooseFile() } }, t("impAgain")),
          h("button", { class: "primary", type: "button", testid: "imp-show-list", on: { click: () => ctx.show("employees") } }, t("impShowList")))));
  };

  chooseFile();
}

/** counts summarises a preview or a result. */
function counts(rep: ImportReport): HTMLElement {
  const item = (key: Key, n: number, testid: string) =>
    h("div", { class: "count", testid }, h("div", { class: "count-n" }, String(n)), h("div", { class: "count-label" }, t(key)));
  const newDepts = rep.newDepartments ?? [];
  const deps = (rep.dependentsAdded ?? 0) + (rep.dependentsUpdated ?? 0) + (rep.dependentsUnchanged ?? 0);
  return h("div", { testid: "imp-counts" },
    h("div", { class: "counts" },
      item("impRows", rep.rows, "imp-count-rows"),
      item("impAdded", rep.added, "imp-count-added"),
      item("impUpdated", rep.updated, "imp-count-updated"),
      item("impUnchanged", rep.unchanged, "imp-count-unchanged"),
      item("impRejected", rep.rejected, "imp-count-rejected"),
      item("impNumbers", rep.numbers, "imp-count-numbers")),
    // Dependents only when the file has any (column groups or dependents' lines).
    deps > 0
      ? h("div", { class: "counts", role: "group", "aria-label": t("impDependents"), testid: "imp-dependents" },
          item("impDepsAdded", rep.dependentsAdded ?? 0, "imp-count-deps-added"),
          item("impDepsUpdated", rep.dependentsUpdated ?? 0, "imp-count-deps-updated"),
          item("impDepsUnchanged", rep.dependentsUnchanged ?? 0, "imp-count-deps-unchanged"))
      : null,
    h("p", { class: "hint" }, t("encoding"), "：", encodingLabel(rep.encoding)),
    newDepts.length ? h("p", { testid: "imp-new-departments" }, t("impNewDepartments"), "：", newDepts.join("、")) : null);
}

/** presetBar loads, saves and deletes the company's saved column mappings. */
function presetBar(companyId: number, read: () => ImportMapping, apply: (m: ImportMapping) => void): HTMLElement {
  const form = new Form("imp-preset");
  const list = h("select", { testid: "imp-preset" }, h("option", { value: "0" }, t("presetChoose")));
  const load = h("button", { class: "secondary small", type: "button", testid: "imp-preset-load" }, t("presetLoad"));
  const del = h("button", { class: "secondary small", type: "button", testid: "imp-preset-delete" }, t("delete"));
  const name = h("input", { type: "text", maxlength: "64", autocomplete: "off", placeholder: t("presetName"), testid: "imp-preset-name" });
  const save = h("button", { class: "secondary small", type: "button", testid: "imp-preset-save" }, t("presetSave"));
  const note = h("span", { class: "muted", role: "status", testid: "imp-preset-note" });
  let presets: ImportPreset[] = [];
  const refresh = (select = 0) =>
    Employees.Presets(companyId).then((ps) => {
      presets = ps ?? [];
      list.replaceChildren(h("option", { value: "0" }, t("presetChoose")),
        ...presets.map((p) => h("option", { value: String(p.id), selected: p.id === select }, p.name)));
    }, (e) => form.show(e));
  const chosen = () => presets.find((p) => p.id === Number(list.value));
  load.addEventListener("click", () => {
    const p = chosen();
    if (p) apply({ noHeader: p.mapping.noHeader, columns: p.mapping.columns ?? [] });
  });
  save.addEventListener("click", () => {
    form.clear();
    note.textContent = "";
    void busy(save, async () => {
      try {
        const p = await Employees.SavePreset(companyId, name.value.trim(), read());
        await refresh(p.id);
        name.value = "";
        note.textContent = t("presetSaved").replace("{name}", p.name);
      } catch (e) {
        form.show(e);
      }
    });
  });
  del.addEventListener("click", () => {
    const p = chosen();
    if (!p) return;
    confirmDialog({
      title: t("presetDelete"), message: t("presetDeleteConfirm").replace("{name}", p.name), confirm: t("delete"), danger: true,
      testid: "imp-preset-delete-confirm",
      action: async () => {
        await Employees.DeletePreset(companyId, p.id);
        await refresh();
        note.textContent = "";
      },
    });
  });
  void refresh();
  return h("div", { class: "preset-bar", testid: "imp-presets" },
    form.banner,
    h("div", { class: "toolbar" },
      h("label", { class: "inline" }, t("presets"), list), load, del,
      h("span", { class: "spacer" }),
      name, save, note));
}
