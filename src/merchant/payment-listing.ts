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

/** The SQL and arguments of one page (exported so a test can EXPLAIN it). */
export function paymentPageStatement(query: PaymentListQuery): { sql: string; args: Array<string | number> } {
  const conditions: string[] = [];
  const args: Array<string | number> = [];
  if (query.status !== null) {
    conditions.push("status = ?");
    args.push(query.status);
  }
  if (query.createdFrom !== null) {
    conditions.push("id >= ?");
    args.push(paymentIdFloor(query.createdFrom));
  }
  if (query.createdTo !== null) {
    conditions.push("id < ?");
    args.push(paymentIdFloor(query.createdTo));
  }
  if (query.after !== null) {
    conditions.push(query.order === "asc" ? "id > ?" : "id < ?");
    args.push(query.after);
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
  // One row more than asked tells whether another page exists.
  args.push(query.limit + 1);
  return { sql: `SELECT * FROM payments ${where} ORDER BY id ${query.order === "asc" ? "ASC" : "DESC"} LIMIT ?`, args };
}

export function readPaymentPage(sql: SqlStorage, query: PaymentListQuery): { rows: PaymentRow[]; hasMore: boolean } {
  const statement = paymentPageStatement(query);
  const rows = sql.exec<PaymentRow>(statement.sql, ...statement.args).toArray();
  const hasMore = rows.length > query.limit;
  return { rows: hasMore ? rows.slice(0, query.limit) : rows, hasMore };
}
