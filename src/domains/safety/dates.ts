/**
 * Dates of the safety register as whole days since 1970-01-01 (UTC), its unit: parsing, formatting,
 * calendar arithmetic. No dependencies, so the CLI can parse `--as-of` without loading the schemas.
 */
/** YYYY-MM-DD → days since the epoch, or null when it is not a calendar date */
export function parseDate(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  return daysFromCivil(y, mo, d);
}

export function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function isLeap(y: number): boolean { return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0; }
export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** H. Hinnant's days_from_civil (proleptic Gregorian) */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z0: number): [number, number, number] {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** the same calendar day `years` later (29 February → 28 February in a common year) */
export function addYears(days: number, years: number): number {
  const [y, m, d] = civilFromDays(days);
  const ny = y + years;
  return daysFromCivil(ny, m, Math.min(d, daysInMonth(ny, m)));
}

/** today in UTC (the default as-of day of due dates, checks and risk, and of the daily job) */
export function todayDays(): number {
  return Math.floor(Date.now() / 86_400_000);
}

/** today by the calendar of the machine's time zone (TZ): the latest day an inspection or a remediation may be dated */
export function localTodayDays(): number {
  const now = new Date();
  return daysFromCivil(now.getFullYear(), now.getMonth() + 1, now.getDate());
}

/**
 * The one rule for dates of things done (an inspection's date, its remediation): not later than
 * today (a future date would make a building "not due" for years). A message (中文 / English), or null.
 * (A deadline may be in the future.)
 */
export function futureDateProblem(iso: string, today = localTodayDays()): string | null {
  const d = parseDate(iso);
  if (d === null || d <= today) return null;
  return `${iso} 晚于今天（${formatDate(today)}）：已发生的日期不能在将来 / ${iso} is later than today (${formatDate(today)}): a date of something done cannot be in the future`;
}
