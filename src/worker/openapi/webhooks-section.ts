/** OpenAPI 3.1 `webhooks`: what the connector POSTs to a merchant's endpoints (docs/webhooks.md). */
import type { z } from "zod";
import { PaymentWebhookEvent, ReconciliationWebhookEvent } from "../../../schemas/webhooks.ts";
import type { ComponentCollector, JsonObject } from "./schema-components.ts";

export function webhooksSection(components: ComponentCollector): JsonObject {
  const signature = {
    name: "Connector-Signature",
    in: "header",
    required: true,
    description:
      '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`; two v1 values during a secret rotation. Verify before parsing.',
    schema: { type: "string" },
  };
  const post = (summary: string, schema: z.ZodType): JsonObject => ({
    post: {
      summary,
      tags: ["webhooks"],
      parameters: [signature],
      requestBody: { required: true, content: { "application/json": { schema: components.ref(schema, "output") } } },
      responses: {
        "2XX": { description: "Received. Anything else (or no answer within the timeout) is retried for more than 24 h." },
      },
    },
  });
  return {
    paymentEvent: post("payment.pending / payment.succeeded / payment.failed: a payment's status changed", PaymentWebhookEvent),
    reconciliationCompleted: post("reconciliation.completed: a reconciliation run stored its report", ReconciliationWebhookEvent),
  };
}
