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
