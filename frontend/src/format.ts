// Date and time display. Go sends RFC 3339 (UTC) instants and ISO dates (YYYY-MM-DD); the user
// sees every instant in Japan time (JST), whatever the computer's time zone, and every date in
// the style chosen in the header: 和暦 (令和7年4月1日) or ISO (2025-04-01). The choice is kept
// in this window's localStorage (it is a display preference, nothing personal).
//
// The era table mirrors Go's app/jpdate (the one place dates are parsed and written on the Go
// side); this file only displays.

function pad(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

export type DateStyle = "wareki" | "iso";

const styleKey = "shelter.dateStyle";

/** dateStyle is the chosen style; 和暦 until the user picks ISO. */
export function dateStyle(): DateStyle {
  try {
    return localStorage.getItem(styleKey) === "iso" ? "iso" : "wareki";
  } catch {
    return "wareki";
  }
}

export function setDateStyle(s: DateStyle): void {
  try {
    localStorage.setItem(styleKey, s);
  } catch {
    /* no storage: the choice lasts until the page reloads */
  }
}

const jstOffsetMs = 9 * 60 * 60 * 1000;

/** jst returns a Date whose UTC fields are the Japan time of d. */
function jst(d: Date): Date {
  return new Date(d.getTime() + jstOffsetMs);
}

// Eras from their first day (Gregorian), newest first.
const eras: { name: string; en: string; y: number; m: number; d: number }[] = [
  { name: "令和", en: "R", y: 2019, m: 5, d: 1 },
  { name: "平成", en: "H", y: 1989, m: 1, d: 8 },
  { name: "昭和", en: "S", y: 1926, m: 12, d: 25 },
  { name: "大正", en: "T", y: 1912, m: 7, d: 30 },
  { name: "明治", en: "M", y: 1868, m: 1, d: 25 },
];

/** wareki writes a calendar date as 令和7年4月1日 (元年 for the first year). */
export function wareki(y: number, m: number, d: number): string {
  for (const e of eras) {
    if (y > e.y || (y === e.y && (m > e.m || (m === e.m && d >= e.d)))) {
      const n = y - e.y + 1;
      return `${e.name}${n === 1 ? "元" : n}年${m}月${d}日`;
    }
  }
  return `${y}年${m}月${d}日`;
}

/** showDate writes an ISO date (YYYY-MM-DD) in the chosen style; "" → "—", anything else as is. */
export function showDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  if (dateStyle() === "iso") return iso;
  return wareki(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** dateTime writes an RFC 3339 instant in JST: 令和7年4月1日 09:30:15 or 2025-04-01 09:30:15; "" → "—". */
export function dateTime(rfc3339: string | null | undefined): string {
  if (!rfc3339) return "—";
  const t = new Date(rfc3339);
  if (isNaN(t.getTime())) return rfc3339;
  const d = jst(t);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (dateStyle() === "iso") {
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${time}`;
  }
  return `${wareki(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())} ${time}`;
}

const weekdaysJa = ["日", "月", "火", "水", "木", "金", "土"];
const weekdaysEn = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** longDate writes the Japan-time date of d like the seed's header: 2015年11月26日(木) / Thu 2015-11-26. */
export function longDate(d: Date, lang: string): string {
  const j = jst(d);
  const y = j.getUTCFullYear(), m = j.getUTCMonth() + 1, day = j.getUTCDate(), w = j.getUTCDay();
  if (lang === "en") {
    return `${weekdaysEn[w]} ${y}-${pad(m)}-${pad(day)}`;
  }
  const date = dateStyle() === "iso" ? `${y}年${m}月${day}日` : wareki(y, m, day);
  return `${date}(${weekdaysJa[w]})`;
}

/** isoDate returns YYYY-MM-DD for the Japan-time date of d (for date inputs and filters). */
export function isoDate(d: Date): string {
  const j = jst(d);
  return `${j.getUTCFullYear()}-${pad(j.getUTCMonth() + 1)}-${pad(j.getUTCDate())}`;
}

/** bytes is a size for people: "812 KB", "1.4 MB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
