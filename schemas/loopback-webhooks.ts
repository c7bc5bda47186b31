/**
 * Webhook endpoints on the developer's own machine, for `npm start` only
 * (ALLOW_LOOPBACK_WEBHOOKS=true, schemas/config.ts): `http://127.0.0.1:<port>`
 * and `http://localhost:<port>`, so `npm run webhooks:listen` can receive
 * deliveries without a tunnel. Everywhere else the rules of webhooks.ts hold
 * unchanged (https, a DNS name); this file only widens them for loopback.
 */
import { z } from "zod";
import { CreateWebhookEndpointRequest, MAX_WEBHOOK_URL_LENGTH, webhookUrlProblem } from "./webhooks.ts";

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "localhost"]);

/** Plain http to 127.0.0.1 or localhost (any port), without credentials or fragment. */
export function isLoopbackWebhookUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname) && url.username === "" && url.password === "" && url.hash === "";
}

const LoopbackOrPublicWebhookUrl = z
  .string()
  .max(MAX_WEBHOOK_URL_LENGTH, { error: `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` })
  .superRefine((value, ctx) => {
    if (isLoopbackWebhookUrl(value)) return;
    const reason = webhookUrlProblem(value);
    if (reason) ctx.addIssue({ code: "custom", message: `${reason} (or be http://127.0.0.1:<port> or http://localhost:<port>)` });
  });

/** CreateWebhookEndpointRequest with loopback URLs also accepted; not part of the published API (no OpenAPI id). */
export const CreateWebhookEndpointRequestAllowingLoopback = z.strictObject({
  ...CreateWebhookEndpointRequest.shape,
  url: LoopbackOrPublicWebhookUrl,
});
