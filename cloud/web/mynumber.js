// The phone's twin of internal/mynumber (Normalize, the check digit, Mask) and of
// collect.NormalizeOTP. Pure functions; nothing here keeps or sends anything.

// Separators Normalize removes after NFKC: hyphen and dash look-alikes, and every character
// Go's unicode.IsSpace reports.
const SEPARATORS = /[-\u02D7\u2010\u2012\u2013\u2014\u2015\u2043\u2212\u2500\u2501\u30FC\uFE31\uFE32\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/g;

// OTP separators: '-', 'ー' and spaces (collect.NormalizeOTP).
const OTP_SEPARATORS = /[-\u30FC\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/g;

// repeat applies f until nothing changes (at most 8 times), as the Go functions do.
function repeat(s, f) {
  for (let i = 0; i < 8; i++) {
    const t = f(s);
    if (t === s) break;
    s = t;
  }
  return s;
}

/** normalize is mynumber.Normalize: NFKC (full-width digits become ASCII), without spaces and hyphens. */
export function normalize(s) {
  return repeat(String(s), (x) => x.normalize("NFKC").replace(SEPARATORS, ""));
}

/** normalizeOTP is collect.NormalizeOTP: NFKC, upper case, without spaces and hyphens. */
export function normalizeOTP(s) {
  return repeat(String(s), (x) => x.normalize("NFKC").toUpperCase().replace(OTP_SEPARATORS, ""));
}

/** normalizeCode is roster.NormalizeEmployeeCode: NFKC and trimmed. */
export function normalizeCode(s) {
  return String(s).normalize("NFKC").trim();
}

const WEIGHTS = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/** checkDigit returns the check digit of 11 ASCII digits (番号法施行規則 第五条). */
export function checkDigit(base11) {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum += (base11.charCodeAt(i) - 48) * WEIGHTS[i];
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

/**
 * check says where a typed Individual Number stands:
 * {state: "empty"|"partial"|"nondigit"|"long"|"checkdigit"|"ok", digits, count}.
 * digits is the normalised number (only meaningful when state is "ok").
 */
export function check(typed) {
  const n = normalize(typed);
  if (n === "") return { state: "empty", digits: "", count: 0 };
  if (!/^[0-9]+$/.test(n)) return { state: "nondigit", digits: "", count: n.length };
  if (n.length < 12) return { state: "partial", digits: "", count: n.length };
  if (n.length > 12) return { state: "long", digits: "", count: n.length };
  if (checkDigit(n) !== n.charCodeAt(11) - 48) return { state: "checkdigit", digits: "", count: 12 };
  return { state: "ok", digits: n, count: 12 };
}

/** isValid reports whether typed is a 12-digit Individual Number with the right check digit. */
export function isValid(typed) {
  return check(typed).state === "ok";
}

// corporateOK checks the check digit of a 13-digit Corporate Number (public, never masked).
function corporateOK(n) {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (n.charCodeAt(i + 1) - 48) * (i % 2 === 0 ? 2 : 1);
  return 9 - (sum % 9) === n.charCodeAt(0) - 48;
}

/**
 * mask is mynumber.Mask: 12 digits show only the last four ("**** **** 9018"), a valid
 * Corporate Number shows in full, anything else as one "*" per character.
 */
export function mask(n) {
  n = normalize(n);
  if (/^[0-9]{12}$/.test(n)) return "**** **** " + n.slice(8);
  if (/^[0-9]{13}$/.test(n) && corporateOK(n)) return `${n[0]} ${n.slice(1, 5)} ${n.slice(5, 9)} ${n.slice(9)}`;
  return "*".repeat([...n].length);
}
