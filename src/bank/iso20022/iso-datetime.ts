/**
 * xs:date and xs:dateTime as ISO 20022 writes them (ISODate, ISODateTime),
 * read into UTC. An ISODateTime may carry `Z`, an offset, or nothing: the
 * schema calls the last "local time" without saying whose, so it is read as
 * UTC, the only zone both sides can agree on without being told.
 */

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?$/;
/** xs:dateTime offsets span -14:00 to +14:00. */
const MAX_OFFSET_MINUTES = 14 * 60;
const MS_PER_MINUTE = 60_000;
/** Years before this are not dates a bank books on; refusing them also keeps Date.UTC away from its 0-99 quirk. */
const EARLIEST_YEAR = 1000;

/** An ISODateTime as a UTC instant (`2026-11-23T09:30:00.000Z`), or null when it is not a valid one. */
export function isoDateTimeToUtc(text: string): string | null {
  const ms = isoDateTimeToEpochMs(text);
  return ms === null ? null : new Date(ms).toISOString();
}

function isoDateTimeToEpochMs(text: string): number | null {
  const match = DATE_TIME.exec(text);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (!isCalendarDate(year, month, day)) return null;
  // 24:00:00 is the end of the day (the next day's midnight); nothing else past 23:59:59.
  const endOfDay = hour === 24 && minute === 0 && second === 0 && (fraction === undefined || /^0+$/.test(fraction));
  if ((hour > 23 && !endOfDay) || minute > 59 || second > 59) return null;
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, "0"));
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(4, 6));
    if (minutes > 59) return null;
    offsetMinutes = sign * (hours * 60 + minutes);
    if (Math.abs(offsetMinutes) > MAX_OFFSET_MINUTES) return null;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * MS_PER_MINUTE;
}

/** An ISODate's calendar day as given (`2026-11-23`, any zone suffix dropped), or null when it is not a valid date. */
export function isoDateDay(text: string): string | null {
  const match = DATE.exec(text);
  if (!match) return null;
  const [, y, mo, d] = match;
  return isCalendarDate(Number(y), Number(mo), Number(d)) ? `${y}-${mo}-${d}` : null;
}

/** The UTC calendar day of an instant in epoch milliseconds. */
export function utcDayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < EARLIEST_YEAR || month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}
