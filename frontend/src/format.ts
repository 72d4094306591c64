// Date and time display. Go sends RFC 3339 (UTC); the user sees local time.

function pad(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** dateTime formats an RFC 3339 time as YYYY/MM/DD HH:MM:SS in local time; "" → "—". */
export function dateTime(rfc3339: string | null | undefined): string {
  if (!rfc3339) return "—";
  const d = new Date(rfc3339);
  if (isNaN(d.getTime())) return rfc3339;
  return (
    `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

const weekdaysJa = ["日", "月", "火", "水", "木", "金", "土"];
const weekdaysEn = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** today formats a date like the seed's header: 2015年11月26日(木) / Thu 2015-11-26. */
export function longDate(d: Date, lang: string): string {
  if (lang === "en") {
    return `${weekdaysEn[d.getDay()]} ${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日(${weekdaysJa[d.getDay()]})`;
}

/** isoDate returns YYYY-MM-DD for a local date (for date inputs). */
export function isoDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
