// 1-3 STEP2: the identity check (本人確認) of one person — the employee or a dependent. The
// checker records how the documents came (対面 / 郵送 / オンライン / ICカード), the document that
// shows the number and those that prove identity, answers the 通知カード question when it
// applies, and attaches images. Go's rules (Evaluate) are asked as the form changes, so the
// problems show before recording; RecordCheck applies the same rules and lists every problem
// when it refuses (code "check_failed").
//
// Images are read in the browser as data: URLs and sent with the check; Go seals them at once.
// They are never drawn on screen (names and sizes only) and are dropped from this form as soon
// as the check is recorded.

import { h, mount } from "../h";
import { filePicker } from "../ui/filePicker";
import { Employees, parseError } from "../api";
import { Collect } from "../api_collect";
import { errText, pick, t } from "../i18n";
import type { CollectBoardRow, CollectDocKind, CollectImage, CollectSubmission } from "../contract.gen";
import { Form, busy } from "../ui/form";
import { loading } from "../ui/layout";
import { refusal, statusLabel, statusTag, type ColCtx } from "./collectShared";
import { scanPanel } from "./collectScan";
import { Code } from "../contract.gen";

/** A file attached to the check, until it is recorded. */
interface Attached {
  name: string;
  size: number;
  type: string;
  data: string;
  kind: string;
}

function readDataURL(f: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result ?? ""));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(f);
  });
}

/** sizeText is a file size for people: 12.3 KB, 1.5 MB. */
export function sizeText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function allowedOn(d: CollectDocKind, channel: string): boolean {
  return !d.channels || d.channels.length === 0 || d.channels.includes(channel);
}

/** openCheck draws STEP2 for the employee of row (and their dependents) in the tab body. */
export function openCheck(ctx: ColCtx, row: CollectBoardRow, back: () => void): void {
  mount(ctx.body, loading());
  Employees.GetEmployee(ctx.company.id, row.employeeId).then(
    (emp) => drawCheck(ctx, row, [
      { id: emp.id, label: `${t("colSelf")}：${emp.name}` },
      ...(emp.dependents ?? []).map((d) => ({ id: d.id, label: `${d.relationLabel || d.relation}：${d.name}` })),
    ], back),
    (e) => mount(ctx.body, refusal(e), h("button", { class: "secondary", type: "button", on: { click: back } }, t("backToList"))),
  );
}

function drawCheck(ctx: ColCtx, row: CollectBoardRow, persons: { id: number; label: string }[], back: () => void): void {
  const rules = ctx.rules;
  const docs = rules.documents ?? [];
  const docLabel = (code: string) => {
    const d = docs.find((x) => x.code === code);
    return d ? pick(d.ja, d.en) : code;
  };
  const maxMB = Math.floor(rules.maxImageBytes / (1024 * 1024));
  let channel = "in_person";
  let images: Attached[] = [];
  // Images recorded with the last check of the person shown: listed (without controls) until
  // new ones are attached, so that the list, and the buttons under it, do not jump at a save.
  let recordedImages: Attached[] = [];
  const form = new Form("col-check");
  form.alias("imageKinds", "images");

  const person = h("select", { testid: "col-check-person", on: { change: () => switchPerson() } },
    persons.map((p, i) => h("option", { value: String(p.id), selected: i === 0 }, p.label)));
  const channels = h("div", { class: "radios", role: "radiogroup" },
    (rules.channels ?? []).map((c) => h("label", { class: "radio" },
      h("input", { type: "radio", name: "col-channel", value: c.code, checked: c.code === channel, testid: `col-check-channel-${c.code}`,
        on: { change: () => { channel = c.code; drawDocs(); changed(); } } }),
      pick(c.ja, c.en))));
  const numberDoc = h("select", { on: { change: () => { drawCard(); changed(); } } });
  const identity = h("div", { class: "col-docs" });
  const identityChecked = () =>
    [...identity.querySelectorAll<HTMLInputElement>("input[type=checkbox]")].filter((b) => b.checked).map((b) => b.value);
  const card = h("div", { class: "radios", role: "radiogroup" },
    [["unchanged", t("colCardUnchanged")], ["changed", t("colCardChanged")]].map(([v, label]) =>
      h("label", { class: "radio" },
        h("input", { type: "radio", name: "col-card", value: v, testid: `col-check-card-${v}`, on: { change: () => changed() } }), label)));
  const cardValue = () => card.querySelector<HTMLInputElement>("input:checked")?.value ?? "";
  const cardRow = form.field("cardDetails", t("colCardDetails"), card);

  const drawDocs = () => {
    const keepNumber = numberDoc.value;
    const keepIdentity = new Set(identityChecked());
    mount(numberDoc, h("option", { value: "" }, t("colChooseDoc")),
      docs.filter((d) => (d.number || d.refused) && allowedOn(d, channel)).map((d) =>
        h("option", { value: d.code, selected: d.code === keepNumber }, pick(d.ja, d.en))));
    mount(identity, docs.filter((d) => (d.identity || d.refused) && allowedOn(d, channel)).map((d) =>
      h("label", { class: "check" },
        h("input", { type: "checkbox", value: d.code, checked: keepIdentity.has(d.code), testid: `col-check-doc-${d.code}`,
          on: { change: () => changed() } }),
        pick(d.ja, d.en),
        // d.unconfirmed is the reference's note for developers, not something a clerk can act on.
        d.photo ? h("span", { class: "tag info" }, t("colPhoto")) : null)));
    drawCard();
  };
  const drawCard = () => cardRow.classList.toggle("hidden", numberDoc.value !== "notification_card");

  // Images: names and sizes only, each with the document it shows.
  const picker = filePicker({ accept: "image/*,application/pdf", multiple: true, testid: "col-check-images", chosen: false });
  const fileInput = picker.input;
  const fileList = h("ul", { class: "col-files", testid: "col-check-files" });
  const kindChoices = () => {
    const listed = [numberDoc.value, ...identityChecked()].filter(Boolean);
    return listed.length ? listed : docs.filter((d) => d.number || d.identity).map((d) => d.code);
  };
  const drawFiles = () => {
    const choices = kindChoices();
    const done = recordedImages.map((im, i) => h("li", { class: "recorded", testid: `col-check-recorded-file-${i}` },
      h("span", { class: "mono" }, im.name), " ",
      h("span", { class: "muted" }, `(${sizeText(im.size)})`), " ",
      h("select", { disabled: true, "aria-label": t("colImageKind") }, h("option", null, docLabel(im.kind))), " ",
      h("span", { class: "tag ok" }, t("colImageRecorded"))));
    mount(fileList, ...done, ...images.map((im, i) => {
      if (!choices.includes(im.kind)) im.kind = choices[0] ?? "";
      const kind = h("select", { testid: `col-check-file-${i}-kind`, "aria-label": t("colImageKind"),
        on: { change: () => { im.kind = kind.value; changed(); } } },
        choices.map((c) => h("option", { value: c, selected: c === im.kind }, docLabel(c))));
      return h("li", { testid: `col-check-file-${i}` },
        h("span", { class: "mono", testid: `col-check-file-${i}-name` }, im.name), " ",
        h("span", { class: "muted" }, `(${sizeText(im.size)})`), " ", kind, " ",
        h("button", { class: "secondary small", type: "button", testid: `col-check-file-${i}-remove`, on: { click: () => {
          images.splice(i, 1);
          drawFiles();
          changed();
        } } }, t("colRemove")));
    }));
  };
  fileInput.addEventListener("change", () => {
    const files = [...(fileInput.files ?? [])];
    fileInput.value = "";
    form.clear();
    recordedImages = [];
    void (async () => {
      for (const f of files) {
        if (images.length >= rules.maxImages) {
          const msg = t("colImageTooMany").replace("{n}", String(rules.maxImages));
          form.show({ code: "invalid", field: "images", ja: msg, en: msg });
          break;
        }
        if (f.size > rules.maxImageBytes) {
          const msg = t("colImageTooLarge").replace("{name}", f.name).replace("{mb}", String(maxMB));
          form.show({ code: "invalid", field: "images", ja: msg, en: msg });
          continue;
        }
        try {
          images.push({ name: f.name, size: f.size, type: f.type, data: await readDataURL(f), kind: "" });
        } catch (e) {
          form.show(e);
        }
      }
      drawFiles();
      changed();
    })();
  });

  // Go's rules, asked on every change; a newer answer replaces an older one.
  const problems = h("div", { class: "col-problems", testid: "col-check-problems", "aria-live": "polite" });
  const showProblems = (list: string[], fromRecord: boolean) => {
    if (!list.length) {
      mount(problems, h("div", { class: "banner success", testid: "col-check-ok-note" }, t("colCheckOK")));
      problems.dataset.count = "0";
      return;
    }
    problems.dataset.count = String(list.length);
    mount(problems, h("div", { class: "banner " + (fromRecord ? "error" : "warn"), role: fromRecord ? "alert" : "status",
      testid: fromRecord ? "col-check-failed" : "col-check-live" },
      h("div", null, t("colProblems")),
      h("ul", { class: "col-problem-list" }, list.map((p, i) => h("li", { testid: `col-check-problem-${i}` }, p)))));
  };
  const submission = (): CollectSubmission => {
    const cd = numberDoc.value === "notification_card" ? cardValue() : "";
    return { channel, numberDoc: numberDoc.value, identityDocs: identityChecked(), cardDetails: cd,
      imageKinds: images.map((im) => im.kind) };
  };
  let seq = 0;
  const changed = () => {
    drawFiles();
    const mine = ++seq;
    Collect.Evaluate(submission()).then((ps) => {
      if (mine === seq) showProblems((ps ?? []).map((p) => pick(p.ja, p.en)), false);
    }, () => { /* the record call reports it */ });
  };

  const recorded = h("div", { class: "banner success hidden", role: "status", testid: "col-check-recorded" });
  const record = h("button", { class: "primary", type: "button", testid: "col-check-record" }, t("colCheckRecord"));
  const reason = h("textarea", { rows: "2", maxlength: "200", autocomplete: "off" });
  const sendBack = h("button", { class: "danger", type: "button", testid: "col-check-sendback" }, t("colCheckSendBack"));
  const send = (button: HTMLButtonElement, isSendBack: boolean) => {
    seq++; // an evaluation still on its way must not replace what recording answers
    form.clear();
    recorded.classList.add("hidden");
    const personId = Number(person.value);
    const imgs: CollectImage[] = isSendBack ? [] : images.map((im) => ({ kind: im.kind, contentType: im.type, data: im.data }));
    void busy(button, async () => {
      try {
        const res = await Collect.RecordCheck({ companyId: ctx.company.id, personId, ...submission(),
          sendBack: isSendBack, reason: isSendBack ? reason.value : "", images: imgs });
        recordedImages = isSendBack ? [] : images;
        images = [];
        reason.value = "";
        drawFiles();
        mount(recorded, t("colCheckRecorded").replace("{status}", statusLabel(rules, res.status)), " ",
          statusTag(rules, res.status, "col-check-status"),
          personId !== row.employeeId ? h("div", { class: "hint" }, t("colCheckDependentNote")) : null);
        recorded.classList.remove("hidden");
      } catch (e) {
        const err = parseError(e);
        if (err.code === Code.CheckFailed) {
          showProblems(errText(err).split("\n").filter(Boolean), true);
        } else {
          form.show(err);
        }
      }
    });
  };
  record.addEventListener("click", () => send(record, false));
  sendBack.addEventListener("click", () => send(sendBack, true));

  // What was entered, attached and recorded is each person's own: choosing another person in
  // the list keeps the first one's draft and result and shows the other's (empty at first).
  interface Draft {
    channel: string; numberDoc: string; identity: string[]; card: string; reason: string;
    images: Attached[]; recordedImages: Attached[]; recorded: Node[];
  }
  const drafts = new Map<number, Draft>();
  let shown = Number(person.value);
  const switchPerson = () => {
    seq++;
    drafts.set(shown, { channel, numberDoc: numberDoc.value, identity: identityChecked(), card: cardValue(),
      reason: reason.value, images, recordedImages,
      recorded: recorded.classList.contains("hidden") ? [] : [...recorded.childNodes] });
    shown = Number(person.value);
    const d = drafts.get(shown);
    channel = d?.channel ?? "in_person";
    channels.querySelectorAll<HTMLInputElement>("input[type=radio]").forEach((r) => { r.checked = r.value === channel; });
    images = d?.images ?? [];
    recordedImages = d?.recordedImages ?? [];
    reason.value = d?.reason ?? "";
    card.querySelectorAll<HTMLInputElement>("input[type=radio]").forEach((r) => { r.checked = r.value === (d?.card ?? ""); });
    drawDocs(); // the channel's documents, then the person's choices among them
    numberDoc.value = d?.numberDoc ?? "";
    identity.querySelectorAll<HTMLInputElement>("input[type=checkbox]").forEach((b) => { b.checked = !!d?.identity.includes(b.value); });
    drawCard();
    form.clear();
    mount(recorded, ...(d?.recorded ?? []));
    recorded.classList.toggle("hidden", !d?.recorded.length);
    changed();
  };

  drawDocs();
  mount(ctx.body,
    h("section", { class: "panel wide-panel", testid: "col-check-form" },
      h("h2", null, t("colCheckTitle")),
      h("p", { class: "company-line" }, h("span", { class: "mono muted" }, row.code), h("strong", null, row.name),
        statusTag(rules, row.status)),
      form.banner,
      h("div", { class: "field" }, h("label", { for: "col-check-person" }, t("colCheckFor")), person),
      form.field("channel", t("colChannel"), channels, { required: true }),
      form.field("numberDoc", t("colNumberDoc"), numberDoc, { required: true }),
      cardRow,
      form.field("identityDocs", t("colIdentityDocs"), identity, { hint: t("colIdentityHint") }),
      form.field("images", t("colImages"), picker.el, {
        hint: t("colImagesHint").replace("{mb}", String(maxMB)).replace("{n}", String(rules.maxImages)) }),
      fileList,
      scanPanel(ctx.company.id, () => Number(person.value), (im) => { recordedImages = []; images.push(im); changed(); }),
      problems,
      h("div", { class: "actions" },
        h("button", { class: "secondary", type: "button", testid: "col-back", on: { click: back } }, t("backToList")),
        h("span", { class: "spacer" }), record),
      // Below the buttons: a result appearing must not move them under the pointer.
      recorded),
    h("section", { class: "panel wide-panel", testid: "col-check-sendback-panel" },
      form.field("reason", t("colCheckSendBackReason"), reason, { hint: t("colSendBackReasonHint") }),
      h("div", { class: "actions" }, h("span", { class: "spacer" }), sendBack)));
  person.id = "col-check-person";
  changed();
}
