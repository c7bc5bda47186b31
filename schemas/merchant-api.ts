/**
 * The merchant-facing contract: what merchants send and what they get back.
 * Request schemas are strict (unknown fields are an error, not silently
 * dropped) because a typo in a payment field must never pay something else.
 */
import { z } from "zod";
import { AmountMinorUnits, CurrencyCode, Iban, MerchantId, PaymentId, Timestamp, text } from "./common.ts";

/** SEPA limits: 70 characters for a party name, 140 for unstructured remittance information. */
export const MAX_NAME_LENGTH = 70;
export const MAX_REFERENCE_LENGTH = 140;
export const MAX_METADATA_ENTRIES = 20;
export const MAX_METADATA_KEY_LENGTH = 40;
export const MAX_METADATA_VALUE_LENGTH = 500;

/** draft-ietf-httpapi-idempotency-key-header: a string of printable ASCII. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export const Creditor = z
  .strictObject({
    name: text(MAX_NAME_LENGTH).refine((v) => v.trim().length > 0, { error: "must not be blank" }),
    iban: Iban,
  })
  .meta({ id: "Creditor" });

export const Metadata = z
  .record(text(MAX_METADATA_KEY_LENGTH).min(1), text(MAX_METADATA_VALUE_LENGTH))
  .refine((value) => Object.keys(value).length <= MAX_METADATA_ENTRIES, {
    error: `must have at most ${MAX_METADATA_ENTRIES} entries`,
  })
  .meta({ description: "Merchant's own string key/value pairs, returned as sent." });

export const CreatePaymentRequest = z
  .strictObject({
    amount: AmountMinorUnits,
    currency: CurrencyCode,
    creditor: Creditor,
    reference: text(MAX_REFERENCE_LENGTH).meta({ description: "Remittance information shown to the creditor." }),
    metadata: Metadata.optional(),
  })
  .meta({ id: "CreatePaymentRequest" });
export type CreatePaymentRequest = z.output<typeof CreatePaymentRequest>;

/**
 * pending → succeeded | failed | canceled; succeeded → returned (the only way
 * out of a final status, on the bank's evidence of a booked return).
 */
export const PaymentStatus = z.enum(["pending", "succeeded", "failed", "returned", "canceled"]).meta({
  id: "PaymentStatus",
  description:
    "`pending` until the bank's answer is final; `succeeded` (settled), `failed`, or `canceled` (canceled by the merchant before it was ever sent). A `succeeded` payment becomes `returned` when the bank books a return of it (the money came back).",
});
export type PaymentStatus = z.infer<typeof PaymentStatus>;

export const PaymentFailure = z.object({
  code: z.string().meta({ example: "bank_rejected" }),
  message: z.string(),
  reason: z.string().meta({
    description: "What happened and what to do, in plain words (from the bank's reason code when it gave one).",
    example: "The payee's account is closed. Ask the payee for a current IBAN and pay again.",
  }),
});

export const PaymentReturn = z
  .object({
    reason_code: z.string().meta({ description: "The bank's ISO 20022 return reason code, as received.", example: "AC04" }),
    reason: z.string().meta({
      description: "The reason in plain words; an unknown code is kept and said to be unknown.",
      example: "The payee's account is closed. Ask the payee for a current IBAN and pay again.",
    }),
    amount: z
      .object({ value: AmountMinorUnits, currency: z.string() })
      .meta({ description: "What came back; may be less than the payment's amount when banks took charges." }),
    returned_at: Timestamp.meta({ description: "When the bank booked the return." }),
    bank_reference: z.string().meta({ description: "The bank's reference of the return." }),
  })
  .meta({ id: "PaymentReturn" });

export const PaymentBankState = z.object({
  transfer_id: z.string().nullable().meta({ description: "The bank's id; null until the bank has acknowledged the transfer." }),
  status: z.string().meta({ description: "Last ISO 20022 status the bank reported.", example: "ACSC" }),
  reason_code: z.string().optional(),
});

export const ATTENTION_REASONS = ["attempts_exceeded", "pending_too_long", "status_mismatch", "bank_contradiction"] as const;
export const AttentionReason = z.enum(ATTENTION_REASONS).meta({
  id: "AttentionReason",
  description:
    "`attempts_exceeded`: ATTENTION_AFTER_ATTEMPTS bank calls did not resolve it; `pending_too_long`: pending longer than ATTENTION_AFTER_MS; `status_mismatch`: the bank's statement and its answer to an inquiry disagree; `bank_contradiction`: the bank settled a payment it had failed (see `discrepancy`).",
});
export type AttentionReason = z.infer<typeof AttentionReason>;

export const PaymentAttention = z.object({ since: Timestamp, reason: AttentionReason }).meta({
  id: "PaymentAttention",
  description:
    "An operator has been asked to look at this payment. It does not change the status: a pending payment stays pending (it is still resolved with the bank), a final one stays final. Cleared when the payment resolves, except `bank_contradiction`, which an operator clears.",
});
export type PaymentAttention = z.infer<typeof PaymentAttention>;

export const PaymentDiscrepancy = z
  .object({
    kind: z.literal("settled_after_failure"),
    bank_status: z.string().meta({ description: "What the bank now reports.", example: "ACSC" }),
    transfer_id: z.string().nullable(),
    source: z.enum(["inquiry", "statement"]),
    detected_at: Timestamp,
    message: z.string(),
  })
  .meta({
    id: "PaymentDiscrepancy",
    description:
      "The bank contradicted this payment's final status: it settled a payment the connector had reported failed, so money moved. The status is kept (you were told `failed`); an operator decides. Its amount counts against the daily limit again.",
  });
export type PaymentDiscrepancy = z.infer<typeof PaymentDiscrepancy>;

export const Payment = z
  .object({
    id: PaymentId,
    status: PaymentStatus,
    amount: AmountMinorUnits,
    currency: z.string(),
    creditor: z.object({ name: z.string(), iban: z.string() }),
    reference: z.string(),
    metadata: z.record(z.string(), z.string()),
    failure: PaymentFailure.optional(),
    return: PaymentReturn.optional().meta({ description: "Present when the payment is `returned`." }),
    bank: PaymentBankState.optional(),
    attention: PaymentAttention.optional(),
    discrepancy: PaymentDiscrepancy.optional(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "Payment" });
export type Payment = z.infer<typeof Payment>;

export const MerchantLimits = z.strictObject({
  max_amount: AmountMinorUnits.optional().meta({ description: "Largest single payment, in minor units of the payment's currency." }),
  daily_amount: AmountMinorUnits.optional().meta({
    description:
      "Largest total of pending, succeeded and returned payments per UTC day and currency, in minor units (money sent counts even when it came back; a failed or canceled payment does not count).",
  }),
});
export type MerchantLimits = z.infer<typeof MerchantLimits>;

export const CreateMerchantRequest = z
  .strictObject({
    name: text(MAX_NAME_LENGTH).refine((v) => v.trim().length > 0, { error: "must not be blank" }),
    debtor_iban: Iban,
    limits: MerchantLimits.optional(),
  })
  .meta({ id: "CreateMerchantRequest" });
export type CreateMerchantRequest = z.output<typeof CreateMerchantRequest>;

export const Merchant = z
  .object({
    id: MerchantId,
    name: z.string(),
    debtor_iban: z.string(),
    limits: MerchantLimits,
    status: z.enum(["active", "disabled"]),
    created_at: Timestamp,
  })
  .meta({ id: "Merchant" });
export type Merchant = z.infer<typeof Merchant>;

export const MerchantCreated = Merchant.extend({
  api_key: z.string().meta({ description: "Shown once; only its SHA-256 is stored." }),
  api_key_id: z.string(),
}).meta({ id: "MerchantCreated" });
export type MerchantCreated = z.infer<typeof MerchantCreated>;
