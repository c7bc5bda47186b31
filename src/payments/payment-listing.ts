/**
 * Keyset paging over a merchant's payments, in payment id order.
 *
 * Ids are `pay_<ULID>`: the first 10 ULID characters encode the creation
 * time in milliseconds and sort lexicographically, so "created between A and
 * B" is an id range and every query here is a range scan on an index whose
 * order is the page order (the primary key's index, or (status, id) with a
 * status filter; migration 3). No page costs more than `limit + 1` index
 * steps, however many payments the merchant has or how deep the page is.
 */
import { encodeTime, TIME_MAX } from "ulid";
import type { PaymentStatus } from "../../schemas/merchant-api.ts";
import type { PaymentOrder } from "../../schemas/payment-queries.ts";
import { pageOf } from "../platform/page.ts";
import type { PaymentRow } from "./payment-row.ts";

const ULID_TIME_LENGTH = 10;
const ULID_RANDOM_ZEROS = "0".repeat(16);

export interface PaymentListQuery {
  status: PaymentStatus | null;
  /** Inclusive, epoch milliseconds. */
  createdFrom: number | null;
  /** Exclusive, epoch milliseconds. */
  createdTo: number | null;
  order: PaymentOrder;
  limit: number;
  /** The last id of the previous page (exclusive). */
  after: string | null;
}

/** The smallest payment id minted at `epochMs`: every payment created at or after that instant sorts at or after it. */
export function paymentIdFloor(epochMs: number): string {
  const clamped = Math.min(Math.max(Math.trunc(epochMs), 0), TIME_MAX);
  return `pay_${encodeTime(clamped, ULID_TIME_LENGTH)}${ULID_RANDOM_ZEROS}`;
}

/**
 * The SQL and arguments of one page (exported so a test can EXPLAIN it).
 * The cursor and the created bounds are merged into ONE lower and ONE upper
 * id bound before they reach SQLite: given `id >= a AND id > b`, SQLite
 * seeks on one of them and filters on the other, which would make a deep
 * page inside a date range rescan everything before it.
 */
export function paymentPageStatement(query: PaymentListQuery): { sql: string; args: Array<string | number> } {
  let lower: IdBound | null = query.createdFrom === null ? null : { id: paymentIdFloor(query.createdFrom), inclusive: true };
  let upper: IdBound | null = query.createdTo === null ? null : { id: paymentIdFloor(query.createdTo), inclusive: false };
  if (query.after !== null) {
    const resume: IdBound = { id: query.after, inclusive: false };
    if (query.order === "asc") lower = tighterLower(lower, resume);
    else upper = tighterUpper(upper, resume);
  }
  const conditions: string[] = [];
  const args: Array<string | number> = [];
  if (query.status !== null) {
    conditions.push("status = ?");
    args.push(query.status);
  }
  if (lower !== null) {
    conditions.push(lower.inclusive ? "id >= ?" : "id > ?");
    args.push(lower.id);
  }
  if (upper !== null) {
    conditions.push(upper.inclusive ? "id <= ?" : "id < ?");
    args.push(upper.id);
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
  // One row more than asked tells whether another page exists.
  args.push(query.limit + 1);
  return { sql: `SELECT * FROM payments ${where} ORDER BY id ${query.order === "asc" ? "ASC" : "DESC"} LIMIT ?`, args };
}

interface IdBound {
  id: string;
  inclusive: boolean;
}

function tighterLower(a: IdBound | null, b: IdBound): IdBound {
  if (a === null || b.id > a.id) return b;
  if (a.id > b.id) return a;
  return a.inclusive ? b : a;
}

function tighterUpper(a: IdBound | null, b: IdBound): IdBound {
  if (a === null || b.id < a.id) return b;
  if (a.id < b.id) return a;
  return a.inclusive ? b : a;
}

export function readPaymentPage(sql: SqlStorage, query: PaymentListQuery): { rows: PaymentRow[]; hasMore: boolean } {
  const statement = paymentPageStatement(query);
  const { items, hasMore } = pageOf(sql.exec<PaymentRow>(statement.sql, ...statement.args).toArray(), query.limit);
  return { rows: items, hasMore };
}
