/**
 * Per-payment and per-day limits. The daily total counts pending and
 * succeeded payments of one currency on one UTC day (by creation): admission
 * adds, a payment that ends failed gives its amount back.
 */
import type { CreatePaymentRequest } from "../../schemas/merchant-api.ts";
import { type Refusal, refuse } from "../platform/refusal.ts";
import type { PayingMerchant } from "./context.ts";
import { type PaymentRow, utcDay } from "./payment-row.ts";

export function checkLimits(sql: SqlStorage, merchant: PayingMerchant, request: CreatePaymentRequest, now: number): Refusal | undefined {
  if (merchant.max_amount !== null && request.amount > merchant.max_amount) {
    return refuse(
      "amount-limit-exceeded",
      `The amount ${request.amount} exceeds this merchant's per-payment limit of ${merchant.max_amount} minor units.`,
    );
  }
  if (merchant.daily_amount !== null) {
    const used =
      sql
        .exec<{ amount: number }>(`SELECT amount FROM daily_totals WHERE day = ? AND currency = ?`, utcDay(now), request.currency)
        .toArray()[0]?.amount ?? 0;
    if (used + request.amount > merchant.daily_amount) {
      return refuse(
        "daily-limit-exceeded",
        `This payment would bring today's ${request.currency} total to ${used + request.amount}, over the daily limit of ${merchant.daily_amount} minor units.`,
      );
    }
  }
  return undefined;
}

export function addToDailyTotal(sql: SqlStorage, createdAt: number, currency: string, amount: number): void {
  sql.exec(
    `INSERT INTO daily_totals (day, currency, amount) VALUES (?, ?, ?)
     ON CONFLICT (day, currency) DO UPDATE SET amount = amount + excluded.amount`,
    utcDay(createdAt),
    currency,
    amount,
  );
}

/** A payment that ends failed moved no money: its amount no longer counts against the day it was made. */
export function releaseDailyTotal(sql: SqlStorage, row: PaymentRow): void {
  sql.exec(`UPDATE daily_totals SET amount = amount - ? WHERE day = ? AND currency = ?`, row.amount, utcDay(row.created_at), row.currency);
}
