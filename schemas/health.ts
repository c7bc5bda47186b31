/** GET /health: liveness plus the last known state of the bank link. No secrets, no merchant data. */
import { z } from "zod";
import { Timestamp } from "./common.ts";

export const LastBankCall = z
  .object({
    at: Timestamp.meta({ description: "When the reported bank call finished." }),
    answered: z
      .boolean()
      .meta({ description: "True when the bank sent an HTTP response (any status); false on timeout, refused connection or TLS failure." }),
    http_status: z.number().int().nullable(),
    outcome: z.enum(["accepted", "refused", "not_sent", "unknown", "not_found"]),
  })
  .meta({ id: "LastBankCall" });
export type LastBankCall = z.infer<typeof LastBankCall>;

export const HealthResponse = z
  .object({
    status: z.enum(["ok", "degraded"]).meta({
      description:
        "`degraded` when the bank did not answer the last reported call. The HTTP status is 200 either way: the connector itself is up.",
    }),
    version: z.string(),
    bank: LastBankCall.nullable().meta({ description: "Null until a bank call has been reported, or when the record could not be read." }),
    payments_needing_attention: z.number().int().nonnegative().nullable().meta({
      description:
        "Payments of all merchants flagged for an operator (GET /admin/v1/payments?attention=true), as the merchants last reported them (up to about 10 s old); null when the record could not be read.",
    }),
    oldest_pending_age_s: z.number().int().nonnegative().nullable().meta({
      description: "Age in seconds of the oldest payment still pending at any merchant; null when none is pending (or unknown).",
    }),
  })
  .meta({ id: "HealthResponse" });
export type HealthResponse = z.infer<typeof HealthResponse>;
