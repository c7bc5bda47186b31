/** OpenAPI 3.1 `webhooks`: what the connector POSTs to a merchant's endpoints (docs/webhooks.md). */
import type { z } from "zod";
import { PaymentWebhookEvent, ReconciliationWebhookEvent } from "../../../schemas/webhooks.ts";
import type { ComponentCollector, JsonObject } from "./schema-components.ts";

export function webhooksSection(components: ComponentCollector): JsonObject {
  // Standard Webhooks (https://www.standardwebhooks.com/): any of its libraries verifies a delivery.
  const header = (name: string, description: string) => ({ name, in: "header", required: true, description, schema: { type: "string" } });
  const signatureHeaders = [
    header("webhook-id", "The event id; the same on every retry and redelivery. De-duplicate on it."),
    header("webhook-timestamp", "When this attempt was signed, in Unix seconds; refuse values more than 5 minutes from your clock."),
    header(
      "webhook-signature",
      '`v1,<base64 HMAC-SHA256(key, webhook-id + "." + webhook-timestamp + "." + raw body)>`, the key being the base64-decoded part of the `whsec_` secret; two space-separated values during a secret rotation. Verify before parsing.',
    ),
  ];
  const post = (operationId: string, summary: string, schema: z.ZodType): JsonObject => ({
    post: {
      operationId,
      summary,
      tags: ["webhooks"],
      security: [{ webhookSignature: [] }],
      parameters: signatureHeaders,
      requestBody: { required: true, content: { "application/json": { schema: components.ref(schema, "output") } } },
      responses: {
        "2XX": { description: "Received. Anything else (or no answer within the timeout) is retried for more than 24 h." },
      },
    },
  });
  return {
    paymentEvent: post(
      "receivePaymentEvent",
      "payment.pending / payment.succeeded / payment.failed / payment.returned / payment.canceled: a payment's status changed; payment.bank_contradiction: the bank settled a payment reported failed (status kept, see `discrepancy`)",
      PaymentWebhookEvent,
    ),
    reconciliationCompleted: post(
      "receiveReconciliationCompleted",
      "reconciliation.completed: a reconciliation run stored its report",
      ReconciliationWebhookEvent,
    ),
  };
}
