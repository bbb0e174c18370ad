// A small 5-field cron parser (minute hour day-of-month month day-of-week, UTC) for INSITU_TRAIN_CRON: the config
// checks the expression with it at start-up, the trainer's policy fires by it. It understands
// `*`, lists `1,2`, ranges `1-5`, steps `*/15` and `1-10/2`; day-of-week 0-7 (0 and 7 are Sunday). As in Vixie
// cron, when both day fields are restricted a day matches either of them; when one is `*`, only the other counts.
import { InsituError } from './errors.js';

export class CronError extends InsituError {}

interface Field {
  name: string;
  min: number;
  max: number;
}

const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
];

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Whether each day field was `*` (Vixie cron's OR/AND rule for the two day fields). */
  anyDay: boolean;
  anyWeekday: boolean;
}

function parseNumber(text: string, field: Field, expr: string): number {
  if (!/^\d+$/.test(text)) throw new CronError(`cron '${expr}': ${field.name} '${text}' is not a number`);
  const n = Number(text);
  if (n < field.min || n > field.max) throw new CronError(`cron '${expr}': ${field.name} ${n} is outside ${field.min}-${field.max}`);
  return n;
}

function parseField(text: string, field: Field, expr: string): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (range === undefined || range === '' || extra !== undefined) throw new CronError(`cron '${expr}': bad ${field.name} '${part}'`);
    const step = stepText === undefined ? 1 : parseNumber(stepText, { ...field, min: 1, max: field.max + 1 }, expr);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [field.min, field.max];
    else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (a === undefined || b === undefined || more !== undefined) throw new CronError(`cron '${expr}': bad ${field.name} range '${range}'`);
      [from, to] = [parseNumber(a, field, expr), parseNumber(b, field, expr)];
      if (from > to) throw new CronError(`cron '${expr}': ${field.name} range '${range}' runs backwards`);
    } else {
      from = parseNumber(range, field, expr);
      to = stepText === undefined ? from : field.max; // `5/15` means 5-max every 15
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

export function parseCron(expr: string): CronSchedule {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === '') throw new CronError(`cron '${expr}': expected 5 fields (minute hour day-of-month month day-of-week), got ${parts[0] === '' ? 0 : parts.length}`);
  const [minutes, hours, days, months, weekdays] = parts.map((p, i) => parseField(p, FIELDS[i]!, expr)) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (weekdays.delete(7)) weekdays.add(0);
  return { minutes, hours, days, months, weekdays, anyDay: parts[2]!.startsWith('*'), anyWeekday: parts[4]!.startsWith('*') };
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const byDay = s.days.has(d.getUTCDate());
  const byWeekday = s.weekdays.has(d.getUTCDay());
  if (s.anyDay && s.anyWeekday) return true;
  if (s.anyDay) return byWeekday;
  if (s.anyWeekday) return byDay;
  return byDay || byWeekday;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Past this, a schedule is taken never to fire (e.g. `0 0 30 2 *`). */
const HORIZON_MS = 5 * 366 * 24 * HOUR;

/** The first time strictly after `after` (to the minute, UTC) that the expression fires. Throws CronError. */
export function nextFire(expr: string | CronSchedule, after: Date): Date {
  const s = typeof expr === 'string' ? parseCron(expr) : expr;
  const t = new Date(Math.floor(after.getTime() / MINUTE) * MINUTE + MINUTE);
  const limit = after.getTime() + HORIZON_MS;
  while (t.getTime() <= limit) {
    if (!s.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(s, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!s.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!s.minutes.has(t.getUTCMinutes())) {
      t.setTime(t.getTime() + MINUTE);
    } else return t;
  }
  throw new CronError(`cron '${typeof expr === 'string' ? expr : 'schedule'}': never fires`);
}
