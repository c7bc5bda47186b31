/** Webhook test helpers: the merchant's API for endpoints and events, and the local receiver's record. */
import { env } from "cloudflare:workers";
import type { EventList, WebhookEndpointWithSecret } from "../../schemas/webhooks.ts";
import type { EndpointSetup, ReceivedWebhook } from "../../tools/webhook-receiver/receiver.ts";
import { call } from "./api.ts";

/** Host of every test endpoint; WEBHOOK_FETCH routes it to the local receiver whatever the host. */
export const HOOK_HOST = "https://hooks.shop.example";

let pathCounter = 0;
/** A receiver path no other test uses. */
export function uniqueHookPath(): string {
  pathCounter++;
  return `/hooks/${crypto.randomUUID()}/${pathCounter}`;
}

export async function registerEndpoint(
  apiKey: string,
  path: string,
  options: { events?: string[]; script?: EndpointSetup["script"] } = {},
): Promise<WebhookEndpointWithSecret> {
  const response = await call("/v1/webhook-endpoints", {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ url: HOOK_HOST + path, ...(options.events ? { events: options.events } : {}) }),
  });
  if (response.status !== 201) throw new Error(`endpoint registration failed: ${response.status} ${await response.text()}`);
  const endpoint = (await response.json()) as WebhookEndpointWithSecret;
  await configureReceiver(path, { secrets: [endpoint.secret], ...(options.script ? { script: options.script } : {}) });
  return endpoint;
}

export async function configureReceiver(path: string, setup: EndpointSetup): Promise<void> {
  const response = await env.WEBHOOK_RECEIVER.fetch(`http://receiver/_control/endpoints?path=${encodeURIComponent(path)}`, {
    method: "PUT",
    body: JSON.stringify(setup),
  });
  if (!response.ok) throw new Error(`receiver setup failed: ${response.status}`);
}

export async function receivedAt(path: string): Promise<ReceivedWebhook[]> {
  const response = await env.WEBHOOK_RECEIVER.fetch(`http://receiver/_control/received?path=${encodeURIComponent(path)}`);
  return ((await response.json()) as { received: ReceivedWebhook[] }).received;
}

/** Polls the receiver until `count` requests arrived at `path` (deliveries run from the object's alarm). */
export async function waitForReceived(path: string, count: number, timeoutMs = 10_000): Promise<ReceivedWebhook[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const received = await receivedAt(path);
    if (received.length >= count) return received;
    if (Date.now() > deadline) throw new Error(`expected ${count} webhook(s) at ${path}, got ${received.length}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function listEvents(apiKey: string, query = ""): Promise<EventList> {
  const response = await call(`/v1/events${query}`, { headers: { authorization: `Bearer ${apiKey}` } });
  if (response.status !== 200) throw new Error(`event list failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as EventList;
}

/** Polls GET /v1/events until `done` holds (attempts are recorded right after the receiver answered). */
export async function waitForEvents(apiKey: string, done: (list: EventList) => boolean, timeoutMs = 10_000): Promise<EventList> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await listEvents(apiKey);
    if (done(list)) return list;
    if (Date.now() > deadline) throw new Error(`events did not reach the expected state: ${JSON.stringify(list)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
