/**
 * The ledger keeps instants as UTC ISO strings ("…Z"). A bank may send them
 * with another UTC offset ("+01:00", or "+00:00" instead of "Z"): the same
 * instant, written differently (the offset_timestamps fault rule and the
 * debtor scenario's timestamp_offset).
 */
import { z } from "zod";

const MINUTES_PER_HOUR = 60;
const MS_PER_MINUTE = 60_000;

/** "Z", or ±hh:mm up to ±14:00 (RFC 3339 / ISO 8601 offsets in use). */
export const UtcOffset = z
  .string()
  .regex(/^(Z|[+-](0\d|1[0-4]):[0-5]\d)$/, { error: 'an offset such as "+01:00", "-05:00", "+00:00" or "Z"' });

/** `utc` (an ISO string ending in Z) written with `offset`; unchanged for "Z" or no offset. */
export function renderInstant(utc: string, offset: string | undefined): string {
  if (offset === undefined || offset === "Z") return utc;
  const sign = offset.startsWith("-") ? -1 : 1;
  const [hours, minutes] = offset.slice(1).split(":").map(Number);
  const shiftMs = sign * ((hours ?? 0) * MINUTES_PER_HOUR + (minutes ?? 0)) * MS_PER_MINUTE;
  const local = new Date(Date.parse(utc) + shiftMs).toISOString();
  return `${local.slice(0, -1)}${offset}`;
}
