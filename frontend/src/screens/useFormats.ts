// 3-1, ダウンロードフォーマットの設定: the built-in presets (read only; 弥生給与 among them) and
// the company's saved formats; the editor orders the columns (up / down), and sets the encoding
// (CP932 / UTF-8 BOM), the header row, 西暦 / 和暦 and the line endings. Go checks everything
// (exactly one 個人番号 column, widths, titles that CP932 can hold) and says where it is wrong.

import { h, mount } from "../h";
import { Use } from "../api_use";
import { errText, pick, t } from "../i18n";
import { dateTime } from "../format";
import type { DownloadFormat, FormatColumn, FormatField } from "../contract.gen";
import { confirmDialog } from "../ui/confirm";
import { Form, busy, input } from "../ui/form";
import { loading } from "../ui/layout";
import type { UseCtx } from "./use";

/** renderFormats draws the list of formats into the tab body. */
export function renderFormats(ctx: UseCtx, notice = ""): void {
  mount(ctx.body, loading());
  Promise.all([Use.Formats(ctx.company.id), Use.FormatFields()]).then(
    ([fs, ff]) => drawList(ctx, fs ?? [], ff ?? [], notice),
    (e) => mount(ctx.body, h("div", { class: "banner error", role: "alert", testid: "use-fmt-error" }, errText(e))),
  );
}

function encLabel(e: string): string {
  return e === "utf8bom" ? t("encUtf8Bom") : e === "cp932" ? t("encCp932") : e;
}

function fieldLabel(fields: FormatField[], f: string): string {
  const x = fields.find((y) => y.field === f);
  return x ? pick(x.labelJa, x.labelEn) : f;
}

function drawList(ctx: UseCtx, formats: DownloadFormat[], fields: FormatField[], notice: string): void {
  const again = (msg = "") => renderFormats(ctx, msg);
  const rows = formats.map((f) => {
    const key = f.id ? String(f.id) : f.preset;
    const cols = (f.columns ?? []).map((c) => c.title || fieldLabel(fields, c.field)).join(" / ");
    return h("tr", { testid: `use-fmt-row-${key}` },
      h("td", null, h("strong", null, f.name), f.id ? null : h("span", { class: "tag muted" }, t("useFmtBuiltIn")),
        f.id ? null : h("div", { class: "hint" }, pick(f.noteJa, f.noteEn))),
      h("td", { class: "fmt-cols" }, cols),
      h("td", { class: "nowrap" }, encLabel(f.encoding)),
      h("td", null, f.header ? t("useYes") : t("useNo")),
      h("td", { class: "nowrap" }, f.dates === "wareki" ? t("useFmtWareki") : t("useFmtWestern")),
      h("td", null, f.lineEnding === "lf" ? t("useFmtLf") : t("useFmtCrlf")),
      h("td", { class: "nowrap" }, f.id ? dateTime(f.updatedAt) : "—"),
      h("td", null, h("div", { class: "ops" },
        f.id
          ? h("button", { class: "small secondary", type: "button", testid: `use-fmt-edit-${key}`,
              on: { click: () => editFormat(ctx, f, fields, again) } }, t("edit"))
          : null,
        h("button", { class: "small secondary", type: "button", testid: `use-fmt-copy-${key}`,
          on: { click: () => editFormat(ctx, { ...f, id: 0, preset: "", name: t("useFmtCopyName").replace("{name}", f.name) }, fields, again) } },
          t("useFmtCopy")),
        f.id
          ? h("button", { class: "small secondary", type: "button", testid: `use-fmt-delete-${key}`, on: { click: () =>
              confirmDialog({
                title: t("useFmtDelete"), message: t("useFmtDeleteConfirm").replace("{name}", f.name), confirm: t("delete"),
                danger: true, testid: "use-fmt-delete-confirm",
                action: async () => { await Use.DeleteFormat(ctx.company.id, f.id); again(); },
              }) } }, t("delete"))
          : null)));
  });
  const blank: DownloadFormat = {
    id: 0, preset: "", name: "", columns: [
      { field: "employeeCode", title: "", maxWidth: 0, noSpaces: false },
      { field: "name", title: "", maxWidth: 0, noSpaces: false },
      { field: "number", title: "", maxWidth: 0, noSpaces: false },
    ],
    encoding: "utf8bom", header: true, dates: "western", lineEnding: "crlf", updatedAt: "", noteJa: "", noteEn: "",
  };
  mount(ctx.body,
    h("div", { class: "banner success" + (notice ? "" : " hidden"), role: "status", testid: "use-fmt-saved" }, notice),
    h("div", { class: "toolbar" },
      h("button", { class: "primary", type: "button", testid: "use-fmt-add", on: { click: () => editFormat(ctx, blank, fields, again) } },
        t("useFmtAdd"))),
    h("table", { class: "grid", testid: "use-fmt-table" },
      h("thead", null, h("tr", null,
        h("th", null, t("useFmtName")), h("th", null, t("useFmtColumns")), h("th", null, t("encoding")),
        h("th", null, t("useFmtHeader")), h("th", null, t("useFmtDates")), h("th", null, t("useFmtLineEnding")),
        h("th", null, t("useFmtUpdated")), h("th", null, t("operations")))),
      h("tbody", null, rows)),
    formats.some((f) => f.id) ? null : h("p", { class: "empty", testid: "use-fmt-none" }, t("useFmtNone")));
}

/** editFormat draws the editor for f (id 0: a new format) in the tab body. */
function editFormat(ctx: UseCtx, f: DownloadFormat, fields: FormatField[], back: (msg?: string) => void): void {
  const form = new Form("use-fmt");
  const name = input("text", f.name, { maxlength: "50", autocomplete: "off" });
  const cols: FormatColumn[] = (f.columns ?? []).map((c) => ({ ...c }));
  const list = h("tbody", { testid: "use-fmt-columns" });
  const encoding = h("select", null,
    h("option", { value: "utf8bom", selected: f.encoding === "utf8bom" }, t("encUtf8Bom")),
    h("option", { value: "cp932", selected: f.encoding !== "utf8bom" }, t("encCp932")));
  const header = h("input", { type: "checkbox", checked: f.header });
  const dates = h("select", null,
    h("option", { value: "western", selected: f.dates !== "wareki" }, t("useFmtWestern")),
    h("option", { value: "wareki", selected: f.dates === "wareki" }, t("useFmtWareki")));
  const lineEnding = h("select", null,
    h("option", { value: "crlf", selected: f.lineEnding !== "lf" }, t("useFmtCrlf")),
    h("option", { value: "lf", selected: f.lineEnding === "lf" }, t("useFmtLf")));
  const save = h("button", { class: "primary", type: "submit", testid: "use-fmt-save" }, t("save"));

  const move = (i: number, d: number) => {
    const j = i + d;
    if (j < 0 || j >= cols.length) return;
    [cols[i], cols[j]] = [cols[j], cols[i]];
    draw();
  };
  const draw = () => {
    list.replaceChildren(...cols.map((c, i) => {
      const n = i + 1;
      const field = h("select", { testid: `use-fmt-col-${n}-field`, "aria-label": t("useFmtField"),
        on: { change: () => { c.field = field.value; } } },
        fields.map((x) => h("option", { value: x.field, selected: x.field === c.field }, pick(x.labelJa, x.labelEn))));
      const title = input("text", c.title, { maxlength: "40", testid: `use-fmt-col-${n}-title`, "aria-label": t("useFmtColTitle"),
        placeholder: fieldLabel(fields, c.field), autocomplete: "off" });
      title.addEventListener("input", () => { c.title = title.value; });
      field.addEventListener("change", () => { title.placeholder = fieldLabel(fields, field.value); });
      const width = input("number", c.maxWidth ? String(c.maxWidth) : "", { min: "0", max: "1000", class: "narrow-num",
        testid: `use-fmt-col-${n}-width`, "aria-label": t("useFmtMaxWidth") });
      width.addEventListener("input", () => { c.maxWidth = Number(width.value) || 0; });
      const nospace = h("input", { type: "checkbox", checked: c.noSpaces, testid: `use-fmt-col-${n}-nospaces`,
        "aria-label": t("useFmtNoSpaces") });
      nospace.addEventListener("change", () => { c.noSpaces = nospace.checked; });
      return h("tr", { testid: `use-fmt-col-${n}` },
        h("td", { class: "num" }, String(n)), h("td", null, field), h("td", null, title), h("td", null, width),
        h("td", { class: "check" }, nospace),
        h("td", null, h("div", { class: "ops" },
          h("button", { class: "small secondary", type: "button", testid: `use-fmt-col-${n}-up`, disabled: i === 0,
            title: t("useFmtUp"), "aria-label": t("useFmtUp"), on: { click: () => move(i, -1) } }, "↑"),
          h("button", { class: "small secondary", type: "button", testid: `use-fmt-col-${n}-down`, disabled: i === cols.length - 1,
            title: t("useFmtDown"), "aria-label": t("useFmtDown"), on: { click: () => move(i, 1) } }, "↓"),
          h("button", { class: "small secondary", type: "button", testid: `use-fmt-col-${n}-remove`,
            title: t("useFmtRemoveColumn"), "aria-label": t("useFmtRemoveColumn"),
            on: { click: () => { cols.splice(i, 1); draw(); } } }, "×"))));
    }));
  };
  draw();
  const columnsBox = h("div", { testid: "use-fmt-columns-box" },
    h("table", { class: "grid compact" },
      h("thead", null, h("tr", null,
        h("th", { class: "num" }, t("useFmtOrder")), h("th", null, t("useFmtField")), h("th", null, t("useFmtColTitle")),
        h("th", null, t("useFmtMaxWidth")), h("th", null, t("useFmtNoSpaces")), h("th", null, t("operations")))),
      list),
    h("button", { class: "secondary small", type: "button", testid: "use-fmt-add-column", on: { click: () => {
      cols.push({ field: fields[0]?.field ?? "name", title: "", maxWidth: 0, noSpaces: false });
      draw();
    } } }, t("useFmtAddColumn")),
    h("div", { class: "hint" }, t("useFmtNumberOnce")));
  const panel = h("form", { class: "panel wide-panel", testid: "use-fmt-form", autocomplete: "off", on: { submit: (ev: Event) => {
    ev.preventDefault();
    form.clear();
    const next: DownloadFormat = {
      ...f, name: name.value.trim(), columns: cols.map((c) => ({ ...c })), encoding: encoding.value, header: header.checked,
      dates: dates.value, lineEnding: lineEnding.value,
    };
    void busy(save, async () => {
      try {
        const out = await Use.SaveFormat(ctx.company.id, next);
        back(`${t("saved")}（${out.name}）`);
      } catch (e) {
        form.show(e);
      }
    });
  } } },
    h("h2", null, f.id ? t("useFmtEditTitle") : t("useFmtNewTitle")),
    form.banner,
    form.field("name", t("useFmtName"), name, { required: true }),
    form.field("columns", t("useFmtColumns"), columnsBox, { required: true, wide: true }),
    h("div", { class: "grid2" },
      form.field("encoding", t("encoding"), encoding),
      form.field("header", t("useFmtHeader"), h("label", { class: "check" }, header, t("useFmtHeaderYes"))),
      form.field("dates", t("useFmtDates"), dates),
      form.field("lineEnding", t("useFmtLineEnding"), lineEnding)),
    h("div", { class: "actions" },
      h("button", { class: "secondary", type: "button", testid: "use-fmt-cancel", on: { click: () => back() } }, t("cancel")),
      save));
  mount(ctx.body, panel);
  name.focus();
}
