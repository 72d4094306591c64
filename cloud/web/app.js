// The employee's phone page: login → purposes → own number → dependents → photos → review →
// sealed submission → status. Plain ES module, no framework, nothing from any other server.
//
// Everything typed or photographed lives only in the `form` object and the DOM, and is
// cleared after submitting and on logout. Nothing is written to web storage, the browser's
// databases or caches, cookies or the URL: the only cookie is the relay's HttpOnly session.

import { seal } from "./sealbox.js";
import * as mn from "./mynumber.js";

const $ = (id) => document.getElementById(id);
const SCREENS = ["login", "status", "purposes", "self", "deps", "photos", "review", "sending"];
const STEPS = ["purposes", "self", "deps", "photos", "review"];
const MAX_PHOTOS = 10;
const MAX_SIDE = 1600;

let me = null; // the last Me from the relay
let form = emptyForm();
let current = "login";

function emptyForm() {
  return { ack: false, self: "", photos: [], photoSeq: 0 };
}

const MESSAGES = {
  bad_credentials: "企業ID・従業員コード・パスワードが正しくありません。5回続けて間違えると15分間ログインできなくなります。",
  expired: "パスワードの有効期限が切れています。会社に再発行を依頼してください。",
  rate_limited: "試行回数が多すぎます。しばらく待ってからもう一度お試しください。",
  login_required: "一定時間操作がなかったため、ログインし直してください。",
  already_received: "会社がすでに受け取っています。訂正が必要な場合は会社にご連絡ください。",
  network: "通信できませんでした。電波の良い所でもう一度お試しください。",
  other: "うまくいきませんでした。時間をおいてもう一度お試しください。",
};

function message(r) {
  return MESSAGES[r.body.code] || (r.status === 0 ? MESSAGES.network : MESSAGES.other);
}

// api calls the relay (same origin, never cached) and returns {ok, status, body}.
async function api(method, path, body, type) {
  const init = { method, credentials: "same-origin", cache: "no-store", headers: {} };
  if (body !== undefined) {
    init.body = body;
    init.headers["Content-Type"] = type || "application/json";
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    return { ok: false, status: 0, body: { code: "network" } };
  }
  let data = {};
  if (res.status !== 204) {
    try {
      data = await res.json();
    } catch {
      data = {};
    }
  }
  return { ok: res.ok, status: res.status, body: data || {} };
}

function show(name) {
  current = name;
  $("loading").hidden = true;
  for (const s of SCREENS) $("s-" + s).hidden = s !== name;
  window.scrollTo(0, 0);
  const h = $("s-" + name).querySelector("h2");
  if (h) h.focus({ preventScroll: true });
}

// --- login and status ---

async function onLogin(ev) {
  ev.preventDefault();
  const company = $("login-company").value.trim();
  const code = mn.normalizeCode($("login-code").value);
  const password = mn.normalizeOTP($("login-password").value);
  const err = $("login-error");
  err.textContent = "";
  if (!company || !code || !password) {
    err.textContent = "企業ID・従業員コード・パスワードをすべて入力してください。";
    return;
  }
  $("login-submit").disabled = true;
  const r = await api("POST", "api/login", JSON.stringify({ company, code, password }));
  $("login-submit").disabled = false;
  $("login-password").value = "";
  if (!r.ok) {
    err.textContent = message(r);
    return;
  }
  $("login-code").value = "";
  afterLogin(r.body);
}

function afterLogin(m) {
  me = m;
  $("company-name").textContent = me.companyName || "";
  if (form.self && me.status !== "received") {
    // The session ended while reviewing: nothing was lost.
    renderReview();
    show("review");
  } else if (me.status === "requested") {
    startForm();
  } else {
    showStatus();
  }
}

const STATUS = {
  submitted: ["提出済みです", "会社の担当者が確認します。内容を直したいときは「提出し直す」を押してください。", "提出し直す"],
  returned: ["差戻しがあります", "会社の担当者から次の理由で差し戻されました。内容を直して、もう一度提出してください。", "もう一度提出する"],
  received: ["受け付けました", "会社があなたの提出を受け取りました。ご協力ありがとうございました。この画面は閉じてかまいません。", ""],
  requested: ["まだ提出していません", "「提出をはじめる」を押して入力してください。", "提出をはじめる"],
};

function showStatus() {
  const [title, text, again] = STATUS[me.status] || STATUS.requested;
  $("status-title").textContent = title;
  $("status-text").textContent = text;
  $("status-reason").textContent = me.status === "returned" ? me.reason : "";
  $("status-reason-box").hidden = me.status !== "returned";
  $("status-again").textContent = again;
  $("status-again").hidden = !again;
  show("status");
}

async function logout(why) {
  await api("POST", "api/logout");
  endSession(why);
}

function endSession(why) {
  clearForm();
  me = null;
  $("company-name").textContent = "";
  $("login-error").textContent = why || "";
  show("login");
}

// --- the form ---

function startForm() {
  clearForm();
  const list = $("purposes-list");
  list.replaceChildren();
  for (const p of me.purposes || []) {
    const li = document.createElement("li");
    li.textContent = p.label;
    list.append(li);
  }
  if (!list.children.length) {
    const li = document.createElement("li");
    li.textContent = "（利用目的は会社からの書面でご確認ください）";
    list.append(li);
  }
  show("purposes");
}

// numberHint returns [class, text] for a typed number; others are numbers already entered.
function numberHint(typed, others) {
  const c = mn.check(typed);
  switch (c.state) {
    case "empty":
      return ["", "12桁の数字を入力してください。全角数字やハイフン・空白入りでもかまいません。"];
    case "partial":
      return ["", `あと${12 - c.count}桁です。`];
    case "nondigit":
      return ["bad", "数字以外の文字が入っています。"];
    case "long":
      return ["bad", `${c.count - 12}桁多く入力されています。`];
    case "checkdigit":
      return ["bad", "番号が正しくありません（最後の桁が合いません）。マイナンバーカードや通知カードを見て、もう一度ご確認ください。"];
  }
  if (others.includes(c.digits)) return ["bad", "同じ番号がすでに入力されています。"];
  return ["ok", "番号の形式を確認しました。"];
}

function setHint(el, [cls, text]) {
  el.className = "hint " + cls;
  el.textContent = text;
  return cls === "ok";
}

function updateSelf() {
  const ok = setHint($("self-hint"), numberHint($("self-number").value, []));
  $("self-next").disabled = !ok;
  return ok;
}

function depRows() {
  return [...$("deps-list").querySelectorAll("fieldset.dep")];
}

function addDependent() {
  const row = $("dep-template").content.firstElementChild.cloneNode(true);
  row.querySelector('[data-field="remove"]').addEventListener("click", () => {
    row.remove();
    updateDeps();
  });
  row.addEventListener("input", updateDeps);
  row.addEventListener("change", updateDeps);
  $("deps-list").append(row);
  updateDeps();
  row.querySelector('[data-field="name"]').focus();
}

function today() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// readDeps returns the dependents as entered and whether all are complete and valid.
function readDeps(render) {
  const self = mn.check(form.self).digits;
  const seen = [self];
  let ok = true;
  const deps = depRows().map((row, i) => {
    const f = (name) => row.querySelector(`[data-field="${name}"]`);
    if (render) {
      row.querySelector("legend").textContent = `扶養家族 ${i + 1}`;
      for (const name of ["name", "relation", "birthDate", "number", "hint", "remove"]) {
        f(name).dataset.testid = `dep-${i}-${name}`;
      }
    }
    const d = {
      name: f("name").value.trim(),
      relation: f("relation").value,
      birthDate: f("birthDate").value,
      number: mn.check(f("number").value).digits,
    };
    let [cls, text] = numberHint(f("number").value, seen);
    if (cls === "ok") {
      seen.push(d.number);
      const missing = [];
      if (!d.name) missing.push("氏名");
      if (!d.relation) missing.push("続柄");
      if (!/^\d{4}-\d{2}-\d{2}$/.test(d.birthDate) || d.birthDate > today() || d.birthDate < "1900-01-01") missing.push("生年月日");
      if (missing.length) [cls, text] = ["", `${missing.join("・")}を入力してください。`];
    }
    if (render) setHint(f("hint"), [cls, text]);
    ok = ok && cls === "ok";
    return d;
  });
  return { deps, ok };
}

function updateDeps() {
  $("deps-next").disabled = !readDeps(true).ok;
}

// downscale decodes an image, draws it at most MAX_SIDE pixels on its long side and returns
// JPEG bytes (which also drops the photo's metadata, such as where it was taken).
async function downscale(file) {
  const bmp = await createImageBitmap(file, { imageOrientation: "from-image" });
  const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bmp.width * scale));
  canvas.height = Math.max(1, Math.round(bmp.height * scale));
  canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
  bmp.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  canvas.width = canvas.height = 0;
  if (!blob) throw new Error("encoding failed");
  return { blob, bytes: new Uint8Array(await blob.arrayBuffer()) };
}

async function onPhoto() {
  const input = $("photo-input");
  const files = [...input.files];
  input.value = "";
  const hint = $("photo-hint");
  for (const file of files) {
    if (form.photos.length >= MAX_PHOTOS) {
      setHint(hint, ["bad", `写真は${MAX_PHOTOS}枚までです。`]);
      break;
    }
    setHint(hint, ["", "写真を縮小しています…"]);
    try {
      const { blob, bytes } = await downscale(file);
      form.photoSeq++;
      form.photos.push({ name: `photo-${form.photoSeq}.jpg`, bytes, url: URL.createObjectURL(blob) });
      setHint(hint, ["ok", `${form.photos.length}枚の写真があります。`]);
    } catch {
      setHint(hint, ["bad", "この画像は読み込めませんでした。別の写真を選ぶか、撮影し直してください。"]);
    }
  }
  renderPhotos();
}

function renderPhotos() {
  const list = $("photo-list");
  list.replaceChildren();
  form.photos.forEach((p, i) => {
    const li = document.createElement("li");
    const img = document.createElement("img");
    img.src = p.url;
    img.alt = `写真 ${i + 1}`;
    const rm = document.createElement("button");
    rm.type = "button";
    rm.className = "secondary";
    rm.textContent = "削除";
    rm.dataset.testid = `photo-${i}-remove`;
    rm.addEventListener("click", () => {
      URL.revokeObjectURL(p.url);
      p.bytes.fill(0);
      form.photos.splice(i, 1);
      renderPhotos();
    });
    li.append(img, rm);
    list.append(li);
  });
  $("photos-next").disabled = form.photos.length === 0;
}

function renderReview() {
  const dl = $("review-list");
  dl.replaceChildren();
  const add = (term, text, testid) => {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = text;
    if (testid) dd.dataset.testid = testid;
    dl.append(dt, dd);
    return dd;
  };
  add("利用目的", "確認しました");
  add("あなたの個人番号", mn.mask(form.self), "review-self");
  const { deps } = readDeps(false);
  if (!deps.length) add("扶養家族", "なし");
  deps.forEach((d, i) => add(`扶養家族 ${i + 1}`, `${d.name}（${d.relation}・${d.birthDate}生） ${mn.mask(d.number)}`, `review-dep-${i}`));
  const thumbs = document.createElement("div");
  thumbs.className = "thumbs";
  for (const p of form.photos) {
    const img = document.createElement("img");
    img.src = p.url;
    img.alt = "";
    img.className = "thumb";
    thumbs.append(img);
  }
  add("書類の写真", `${form.photos.length}枚`, "review-photos").append(thumbs);
  $("submit-error").textContent = "";
}

function base64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function unbase64(s) {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

async function onSubmit() {
  const { deps, ok } = readDeps(false);
  if (!mn.isValid(form.self) || !ok || !form.photos.length) {
    $("submit-error").textContent = "入力に不足があります。戻って確認してください。";
    return;
  }
  show("sending");
  const enc = new TextEncoder();
  let plaintext = enc.encode(
    JSON.stringify({
      v: 1,
      company: me.company,
      employee: me.employee,
      submittedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      self: { number: mn.check(form.self).digits },
      dependents: deps,
      images: form.photos.map((p) => ({ name: p.name, contentType: "image/jpeg", data: base64(p.bytes) })),
      acknowledged: (me.purposes || []).map((p) => p.code),
    }),
  );
  let box;
  try {
    box = await seal(unbase64(me.submissionKey), enc.encode(`shelter-submission|v1|${me.company}|${me.employee}`), plaintext);
  } catch {
    $("submit-error").textContent = "この端末では暗号化できませんでした。別のブラウザでお試しください。";
    show("review");
    return;
  } finally {
    plaintext.fill(0);
    plaintext = null;
  }
  const r = await api("POST", "api/submission", box, "application/octet-stream");
  if (r.ok) {
    clearForm();
    me = r.body;
    showStatus();
    return;
  }
  if (r.status === 401) {
    // Keep the form in memory only, so that logging in again returns to the review.
    me = null;
    $("login-error").textContent = MESSAGES.login_required;
    show("login");
    return;
  }
  $("submit-error").textContent = message(r);
  show("review");
}

// clearForm forgets everything entered: memory, inputs, previews.
function clearForm() {
  for (const p of form.photos) {
    URL.revokeObjectURL(p.url);
    p.bytes.fill(0);
  }
  form = emptyForm();
  for (const el of document.querySelectorAll("main input, main select")) {
    if (el.id === "login-company") continue;
    if (el.type === "checkbox") el.checked = false;
    else el.value = "";
  }
  for (const id of ["deps-list", "photo-list", "review-list"]) $(id).replaceChildren();
  for (const id of ["self-hint", "photo-hint", "submit-error"]) $(id).textContent = "";
  $("purposes-ack").checked = false;
  $("purposes-next").disabled = true;
  $("self-next").disabled = true;
  $("photos-next").disabled = true;
  $("deps-next").disabled = false;
}

function back() {
  const i = STEPS.indexOf(current);
  if (i > 0) show(STEPS[i - 1]);
}

function wire() {
  $("login-form").addEventListener("submit", onLogin);
  $("status-again").addEventListener("click", startForm);
  $("status-logout").addEventListener("click", () => logout(""));
  $("purposes-logout").addEventListener("click", () => logout(""));
  $("purposes-ack").addEventListener("change", () => {
    form.ack = $("purposes-ack").checked;
    $("purposes-next").disabled = !form.ack;
  });
  $("purposes-next").addEventListener("click", () => {
    updateSelf();
    show("self");
  });
  $("self-number").addEventListener("input", () => {
    form.self = $("self-number").value;
    updateSelf();
  });
  $("self-next").addEventListener("click", () => {
    if (!updateSelf()) return;
    updateDeps();
    show("deps");
  });
  $("deps-add").addEventListener("click", addDependent);
  $("deps-next").addEventListener("click", () => {
    if (!readDeps(true).ok) return;
    renderPhotos();
    show("photos");
  });
  $("photo-input").addEventListener("change", onPhoto);
  $("photos-next").addEventListener("click", () => {
    renderReview();
    show("review");
  });
  $("submit").addEventListener("click", onSubmit);
  for (const b of document.querySelectorAll("[data-back]")) b.addEventListener("click", back);
}

async function init() {
  wire();
  const params = new URLSearchParams(location.search);
  const c = params.get("c") || "";
  $("login-company").value = c;
  // The URL carries the company ID and nothing else.
  const keep = c ? "?c=" + encodeURIComponent(c) : "";
  if (location.search !== keep || location.hash) history.replaceState(null, "", location.pathname + keep);
  const r = await api("GET", "api/me");
  if (r.ok) afterLogin(r.body);
  else show("login");
  if (!r.ok && c) $("login-code").focus();
}

init();
