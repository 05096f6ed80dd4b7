/**
 * The working-time calendar: working hours of a day, weekends, public holidays and make-up
 * working days (调休补班) as data (catalogue/calendar-<id>.json), in one fixed UTC offset.
 *
 * Deadline arithmetic works on the "working position" of an instant: the working milliseconds
 * between the calendar's epoch and it. A table of cumulative working time per day makes both
 * directions O(log days), so SLA recomputation over millions of cases is cheap:
 *   deadline(start, h) = fromPosition(position(start) + h·3600000)
 *   elapsed(a, b)      = position(b) − position(a)
 * A deadline that ends exactly at the close of a working day is that close (18:00), not the next
 * morning.
 *
 * The shipped 2026 calendar (catalogue/calendar-cn-2026.json) is NOT verified against a source on
 * this machine: ../shared/reference gives no 2026 holiday schedule, so its holidays and make-up
 * working days are background knowledge of the State Council notice (marked so in the file, in
 * `verification_zh` / `verification_en`); a city checks them against the notice or replaces the file.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const file = z.object({
  id: z.string(),
  name_zh: z.string().optional(),
  name_en: z.string().optional(),
  utc_offset_minutes: z.number().int().min(-720).max(840),
  hours: z.array(z.tuple([hhmm, hhmm])).min(1),
  weekend: z.array(z.number().int().min(0).max(6)),
  holidays: z.array(day),
  workdays: z.array(day),
});
export type CalendarFile = z.infer<typeof file>;

const DAY = 86_400_000;
const FIRST_YEAR = 2000, LAST_YEAR = 2100;
const minutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
const dayIndex = (iso: string) => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / DAY;

export class WorkCalendar {
  readonly id: string;
  readonly offsetMinutes: number;
  private readonly offset: number;
  private readonly spans: [number, number][];   // ms since local midnight
  private readonly perDay: number;              // working ms of a working day
  private readonly base: number;                // local day index of cum[0]
  private readonly cum: Float64Array;           // cum[d] = working ms before local day base+d
  private readonly working: Uint8Array;

  constructor(def: CalendarFile) {
    const d = file.parse(def);
    this.id = d.id;
    this.offsetMinutes = d.utc_offset_minutes;
    this.offset = d.utc_offset_minutes * 60_000;
    this.spans = d.hours.map(([a, b]) => [minutes(a) * 60_000, minutes(b) * 60_000] as [number, number]).sort((x, y) => x[0] - y[0]);
    for (let i = 0; i < this.spans.length; i++) {
      const [a, b] = this.spans[i];
      if (b <= a) throw new Error(`calendar ${d.id}: working hours ${d.hours[i].join('-')} end before they start`);
      if (i && a < this.spans[i - 1][1]) throw new Error(`calendar ${d.id}: working hours overlap`);
    }
    this.perDay = this.spans.reduce((s, [a, b]) => s + b - a, 0);
    this.base = dayIndex(`${FIRST_YEAR}-01-01`);
    const n = dayIndex(`${LAST_YEAR}-01-01`) - this.base;
    const holidays = new Set(d.holidays.map(dayIndex)), extra = new Set(d.workdays.map(dayIndex));
    const weekend = new Set(d.weekend);
    this.working = new Uint8Array(n);
    this.cum = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      const di = this.base + i;
      const wd = new Date(di * DAY).getUTCDay();
      const w = extra.has(di) || (!weekend.has(wd) && !holidays.has(di));
      this.working[i] = w ? 1 : 0;
      this.cum[i + 1] = this.cum[i] + (w ? this.perDay : 0);
    }
  }

  static load(path: string): WorkCalendar {
    return new WorkCalendar(JSON.parse(readFileSync(path, 'utf8')));
  }

  private dayOf(utcMs: number): number {
    const i = Math.floor((utcMs + this.offset) / DAY) - this.base;
    if (i < 0 || i >= this.working.length) throw new RangeError(`calendar ${this.id} covers ${FIRST_YEAR}-${LAST_YEAR - 1} only, not ${new Date(utcMs).toISOString()}`);
    return i;
  }

  /** is this local date (YYYY-MM-DD) a working day */
  isWorkday(iso: string): boolean {
    return this.working[dayIndex(iso) - this.base] === 1;
  }

  /** working ms from the calendar's epoch to the instant */
  position(utcMs: number): number {
    const i = this.dayOf(utcMs);
    let p = this.cum[i];
    if (this.working[i]) {
      const t = utcMs + this.offset - (this.base + i) * DAY;
      for (const [a, b] of this.spans) if (t > a) p += Math.min(t, b) - a;
    }
    return p;
  }

  /** the earliest instant whose working position is `pos` */
  fromPosition(pos: number): number {
    // first day d with cum[d+1] >= pos
    let lo = 0, hi = this.working.length - 1;
    if (pos > this.cum[hi + 1]) throw new RangeError(`calendar ${this.id}: deadline beyond ${LAST_YEAR - 1}`);
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid + 1] >= pos) hi = mid; else lo = mid + 1;
    }
    let rest = pos - this.cum[lo];
    const start = (this.base + lo) * DAY - this.offset;
    for (const [a, b] of this.spans) {
      if (rest <= b - a) return start + a + rest;
      rest -= b - a;
    }
    return start + this.spans[this.spans.length - 1][1];
  }

  /** the instant `hours` working hours after `utcMs` */
  addWorkingHours(utcMs: number, hours: number): number {
    return this.fromPosition(this.position(utcMs) + Math.round(hours * 3_600_000));
  }

  /** W3C datetime in the calendar's offset, e.g. 2026-03-02T10:00:00+08:00 */
  w3c(utcMs: number): string {
    const l = new Date(utcMs + this.offset).toISOString().slice(0, 19);
    const m = Math.abs(this.offsetMinutes);
    return `${l}${this.offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  }

  /**
   * A date-time as people write it in registers and hotline exports: the date YYYY-MM-DD or
   * YYYY/MM/DD (month and day of one or two digits), then T or a space, then H:MM, HH:MM[:SS[.fff]],
   * then optionally Z or ±HH[:]MM. Without a zone it is local time in the calendar's offset (the
   * shipped calendar: China Standard Time, UTC+8), as deadlines are counted. Returns UTC ms, or
   * null when the text is not such a date-time or names no real day or time (2026-02-30, 25:00).
   */
  parseDateTime(text: string): number | null {
    const m = /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(text.trim());
    if (!m) return null;
    const [y, mo, d, h, mi, s] = [m[1], m[3], m[4], m[5], m[6], m[7] ?? '0'].map(Number);
    const ms = m[8] ? Math.floor(Number(`0${m[8]}`) * 1000) : 0;
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
    const local = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    if (new Date(local).getUTCDate() !== d) return null;   // 2026-02-30
    let offset = this.offset;
    if (m[9] && m[9].toUpperCase() === 'Z') offset = 0;
    else if (m[9]) {
      const z = m[9].replace(':', '');
      const oh = Number(z.slice(1, 3)), om = Number(z.slice(3, 5));
      if (oh > 14 || om > 59) return null;
      offset = (z[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
    }
    return local - offset;
  }

  /** working ms between two instants (negative when b is before a) */
  workingMsBetween(a: number, b: number): number {
    return this.position(b) - this.position(a);
  }
}
