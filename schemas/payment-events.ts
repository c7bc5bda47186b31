/** GET /v1/payments/{id}/events: a payment's append-only, hash-chained history. */
import { z } from "zod";
import { Timestamp } from "./common.ts";
import { wholeListFields } from "./list-page.ts";

export const PaymentEvent = z
  .object({
    seq: z.number().int().min(1).meta({ description: "1, 2, 3… per payment." }),
    at: Timestamp,
    from_status: z.string().nullable().meta({ description: "Null for the first event (admission)." }),
    to_status: z.string(),
    bank_status: z.string().nullable().meta({ description: "ISO 20022 status the bank reported, if any." }),
    reason_code: z.string().nullable(),
    attempt: z.number().int().min(0),
    detail: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: "What the connector knew at the time (outcome, reason, bounded bank evidence)." }),
    prev_hash: z.string().meta({ description: "Hash of the previous event (a fixed value for the first)." }),
    hash: z.string().meta({ description: "SHA-256 over this event and prev_hash: editing any past event breaks the chain." }),
  })
  .meta({ id: "PaymentEvent" });
export type PaymentEvent = z.infer<typeof PaymentEvent>;

export const PaymentEventList = z
  .object({
    ...wholeListFields(PaymentEvent),
    verified: z
      .boolean()
      .meta({ description: "False when a stored event was edited or lost (the hash chain or its end does not match the payment)." }),
    broken_at_seq: z.number().int().optional().meta({ description: "First event that fails verification (only when verified is false)." }),
    problem: z.string().optional().meta({ description: "What failed verification (only when verified is false)." }),
  })
  .meta({ id: "PaymentEventList" });
export type PaymentEventList = z.infer<typeof PaymentEventList>;
