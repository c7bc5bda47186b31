import { z } from "zod";
import type { SimulatorAnswer } from "./statements.ts";
import { renderInstant } from "./timestamps.ts";

/** Opaque page cursors: a position in a stable order, base64url JSON (the client must not read them). */
export function encodeCursor(value: object): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

/** Statement and notification lines are ordered by booking time, then bank reference. */
export function compareLines(a: { booked_at: string; transfer_id: string }, b: { booked_at: string; transfer_id: string }): number {
  if (a.booked_at !== b.booked_at) return a.booked_at < b.booked_at ? -1 : 1;
  if (a.transfer_id === b.transfer_id) return 0;
  return a.transfer_id < b.transfer_id ? -1 : 1;
}

/** One JSON page of a listing, as sent. */
interface Page<Line> {
  entries: Line[];
  next_cursor: string | null;
}

/**
 * GET /v1/statements and /v1/notifications: the page of `lines` (in
 * compareLines order) after the query's cursor. A cursor is bound to the
 * `scope` that made it (debtor and date, or debtor and since): another's is
 * refused with INVALID_CURSOR and `refusal`. Entries are sent with booked_at
 * written in `offset`.
 */
export function pageAfterCursor<Line extends { booked_at: string; transfer_id: string }>(listing: {
  scope: Record<string, string>;
  cursor: string | undefined;
  refusal: string;
  lines: () => Line[];
  pageSize: number;
  offset: string | undefined;
}): SimulatorAnswer {
  const { scope, pageSize } = listing;
  let after: { booked_at: string; transfer_id: string } | undefined;
  if (listing.cursor !== undefined) {
    // Position after the last entry served, with the scope it belongs to.
    const position = z.strictObject({
      ...Object.fromEntries(Object.keys(scope).map((key) => [key, z.string()])),
      booked_at: z.string(),
      transfer_id: z.string(),
    });
    const decoded = position.safeParse(decodeCursor(listing.cursor));
    if (!decoded.success || !belongsTo(decoded.data, scope)) {
      return { status: 400, body: { code: "INVALID_CURSOR", message: listing.refusal } };
    }
    after = decoded.data;
  }
  const all = listing.lines();
  const start = after ? all.findIndex((line) => compareLines(line, after) > 0) : 0;
  const rest = start === -1 ? [] : all.slice(start);
  const entries = rest.slice(0, pageSize);
  const last = entries.at(-1);
  const page: Page<Line> = {
    entries: entries.map((line) => ({ ...line, booked_at: renderInstant(line.booked_at, listing.offset) })),
    next_cursor:
      rest.length > pageSize && last ? encodeCursor({ ...scope, booked_at: last.booked_at, transfer_id: last.transfer_id }) : null,
  };
  return { status: 200, body: page };
}

function belongsTo(position: Record<string, unknown>, scope: Record<string, string>): boolean {
  return Object.entries(scope).every(([key, value]) => position[key] === value);
}
