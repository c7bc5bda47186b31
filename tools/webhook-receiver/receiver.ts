/**
 * A merchant's webhook receiver, for tests and local runs: plain HTTP on
 * loopback (the connector's WEBHOOK_FETCH binding routes https endpoint URLs
 * here). Each request path is one "endpoint". For every POST it checks the
 * signature with the `standardwebhooks` package's own Webhook.verify (a
 * verifier that is not ours, so the tests prove any Standard Webhooks
 * receiver accepts the deliveries), records what arrived with its headers,
 * and answers as scripted through the control routes under /_control/.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { readBody, sendJson } from "../node-http.ts";

export interface ScriptedAnswer {
  status: number;
  /** Wait this long before answering (longer than the connector's timeout: a timeout). */
  delayMs?: number;
}

export interface EndpointSetup {
  /** Secrets the receiver accepts (the merchant's copy); a request verifies if any matches. */
  secrets: string[];
  /** Answers for the next requests, in order; afterwards every request gets 200. */
  script?: ScriptedAnswer[];
}

export interface ReceivedWebhook {
  path: string;
  received_at: number;
  headers: Record<string, string>;
  body: string;
  /** Whether standardwebhooks' Webhook.verify accepted the request with one of the configured secrets. */
  verified: boolean;
  verify_reason: string | null;
  answered: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 256 * 1024;

export async function startWebhookReceiver(options: { port?: number } = {}): Promise<WebhookReceiver> {
  const endpoints = new Map<string, { secrets: string[]; script: ScriptedAnswer[] }>();
  const received: ReceivedWebhook[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://receiver.local");
    const body = await readBody(req, MAX_BODY_BYTES);
    if (url.pathname === "/_control/endpoints" && req.method === "PUT") {
      const path = url.searchParams.get("path") ?? "";
      const setup = JSON.parse(body) as EndpointSetup;
      endpoints.set(path, { secrets: setup.secrets, script: [...(setup.script ?? [])] });
      return sendJson(res, 200, { path });
    }
    if (url.pathname === "/_control/received" && req.method === "GET") {
      const path = url.searchParams.get("path");
      return sendJson(res, 200, { received: received.filter((r) => r.path === path) });
    }
    if (req.method !== "POST") return sendJson(res, 405, { error: "POST only" });

    const endpoint = endpoints.get(url.pathname);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
    let verified = false;
    let reason: string | null = "endpoint not configured";
    for (const secret of endpoint?.secrets ?? []) {
      try {
        new Webhook(secret).verify(body, headers, { jsonParse: false });
        verified = true;
        reason = null;
        break;
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    const scripted = endpoint?.script.shift() ?? { status: 200 };
    // A receiver that cannot verify the signature must refuse the event.
    const answer = verified ? scripted : { ...scripted, status: 400 };
    const record: ReceivedWebhook = {
      path: url.pathname,
      received_at: Date.now(),
      headers,
      body,
      verified,
      verify_reason: reason,
      answered: answer.status,
    };
    received.push(record);
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (res.destroyed) return;
    sendJson(res, answer.status, { received: verified });
  }

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { error: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
