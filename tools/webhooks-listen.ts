/**
 * `npm run webhooks:listen`: a webhook receiver on this machine for the local
 * stack. It listens on 127.0.0.1 (WEBHOOK_LISTEN_PORT, default 8790), checks
 * each delivery's Standard Webhooks signature and prints one line per
 * delivery: event type, payment id, status, verified yes/no.
 *
 * With `--merchant-key mck_...` it registers itself as a webhook endpoint of
 * that merchant (`POST /v1/webhook-endpoints`; the local stack allows
 * http://127.0.0.1 endpoints, ALLOW_LOOPBACK_WEBHOOKS) and verifies with the
 * secret the answer carries. An endpoint already registered for the same URL
 * (an earlier run) is reused with a fresh secret, so runs do not pile up
 * endpoints, and deliveries missed while it was stopped arrive on retry. The
 * secret stays in memory and is never printed. Without a key, WEBHOOK_SECRET
 * (an endpoint registered by hand) is used; without either, deliveries are
 * printed as unverified and refused.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { WebhookEndpointList, WebhookEndpointWithSecret, WebhookEvent } from "../schemas/webhooks.ts";
import { verifyWebhookSignature } from "../src/webhooks/verify-signature.ts";
import { readBody } from "./node-http.ts";

export const DEFAULT_LISTEN_PORT = 8790;
export const DEFAULT_CONNECTOR_PORT = 8787;
export const LISTEN_PATH = "/webhooks";
const MAX_BODY_BYTES = 256 * 1024;

export interface WebhookListenerOptions {
  /** 0 picks a free port. */
  port: number;
  connectorUrl: string;
  merchantKey?: string;
  /** For an endpoint registered by hand; ignored when merchantKey registers one. */
  secret?: string;
  print?: (line: string) => void;
}

export interface WebhookListener {
  url: string;
  endpointId: string | null;
  close(): Promise<void>;
}

export async function startWebhookListener(options: WebhookListenerOptions): Promise<WebhookListener> {
  const print = options.print ?? ((line: string) => console.log(line));
  let secret = options.secret;

  const server = createServer((req, res) => {
    void receive(req, res, secret, print).catch((error: unknown) => {
      print(`${clock()} could not handle a request: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new Error(`port ${options.port} is in use: set WEBHOOK_LISTEN_PORT to another one`) : error),
    );
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${LISTEN_PATH}`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };

  let endpointId: string | null = null;
  if (options.merchantKey) {
    try {
      const endpoint = await registerEndpoint(options.connectorUrl, options.merchantKey, url);
      secret = endpoint.secret;
      endpointId = endpoint.id;
      print(
        `Listening on ${url}, ${endpoint.reused ? "re-registered" : "registered"} as webhook endpoint ${endpoint.id} (all event types).`,
      );
      print("Its signing secret is kept in memory only. Pay with the curl npm start printed; each delivery shows up here.");
    } catch (error) {
      await close();
      throw error;
    }
  } else {
    print(`Listening on ${url}.`);
    if (!secret) print("No --merchant-key and no WEBHOOK_SECRET: deliveries are printed but cannot be verified, and are refused (400).");
  }
  return { url, endpointId, close };
}

async function receive(
  req: IncomingMessage,
  res: ServerResponse,
  secret: string | undefined,
  print: (line: string) => void,
): Promise<void> {
  if (req.method !== "POST") {
    res.writeHead(405, { allow: "POST" }).end();
    return;
  }
  const body = await readBody(req, MAX_BODY_BYTES);
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : (value ?? "")]),
  );
  const check = secret ? verifyWebhookSignature(body, headers, secret) : { ok: false as const, reason: "no secret to verify with" };
  const verified = check.ok ? "yes" : `no (${check.reason})`;
  print(`${clock()} ${describeDelivery(body)} verified=${verified}`);
  // A receiver that cannot verify a delivery must refuse it; the connector retries.
  res.writeHead(check.ok ? 204 : 400).end();
}

/** `payment.succeeded payment=pay_... status=succeeded`, or what can be read of an unexpected body. */
export function describeDelivery(body: string): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return "unreadable body (not JSON)";
  }
  const parsed = WebhookEvent.safeParse(json);
  if (!parsed.success) return `unexpected event (${describeType(json)})`;
  const event = parsed.data;
  switch (event.type) {
    case "payment.pending":
    case "payment.succeeded":
    case "payment.failed":
    case "payment.returned":
    case "payment.canceled": {
      const { payment } = event.data;
      const failure = payment.failure ? ` failure=${payment.failure.code}` : "";
      const returned = payment.return ? ` return=${payment.return.reason_code} returned_amount=${payment.return.amount.value}` : "";
      return `${event.type} payment=${payment.id} status=${payment.status}${failure}${returned} amount=${payment.amount} ${payment.currency}`;
    }
    case "payment.bank_contradiction": {
      const { payment } = event.data;
      return `${event.type} payment=${payment.id} status=${payment.status} bank_status=${payment.discrepancy?.bank_status ?? "?"} amount=${payment.amount} ${payment.currency}`;
    }
    case "reconciliation.completed":
      return `${event.type} date=${event.data.reconciliation.date} report=${event.data.reconciliation.report_url}`;
    default:
      return event satisfies never;
  }
}

function describeType(json: unknown): string {
  const type = json !== null && typeof json === "object" && "type" in json ? json.type : undefined;
  return typeof type === "string" ? `type ${type.slice(0, 64)}` : "no type";
}

interface RegisteredEndpoint {
  id: string;
  secret: string;
  reused: boolean;
}

/** Creates the endpoint, or gives the one an earlier run registered for this URL a fresh secret (dropping the old at once). */
async function registerEndpoint(connectorUrl: string, merchantKey: string, url: string): Promise<RegisteredEndpoint> {
  const headers = { authorization: `Bearer ${merchantKey}`, "content-type": "application/json" };
  const listed = await callConnector(connectorUrl, "/v1/webhook-endpoints", { headers });
  const existing = WebhookEndpointList.parse(listed).data.find((endpoint) => endpoint.url === url);
  const answer = existing
    ? await callConnector(connectorUrl, `/v1/webhook-endpoints/${existing.id}/rotate-secret`, {
        method: "POST",
        headers,
        body: JSON.stringify({ revoke_previous: true }),
      })
    : await callConnector(connectorUrl, "/v1/webhook-endpoints", { method: "POST", headers, body: JSON.stringify({ url }) });
  const endpoint = WebhookEndpointWithSecret.parse(answer);
  return { id: endpoint.id, secret: endpoint.secret, reused: existing !== undefined };
}

/** JSON answer of a 2xx; otherwise an error naming the problem (problem bodies carry no secrets). */
async function callConnector(connectorUrl: string, path: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(connectorUrl + path, init);
  } catch {
    throw new Error(`cannot reach the connector at ${connectorUrl}: is npm start running? (--connector names another URL)`);
  }
  const text = await response.text();
  if (response.ok) return JSON.parse(text);
  let detail = "";
  try {
    const problem = JSON.parse(text) as { title?: unknown; detail?: unknown };
    detail = [problem.title, problem.detail].filter((part) => typeof part === "string").join(": ");
  } catch {
    // Not problem+json: the status says enough.
  }
  const hint = response.status === 401 ? " (check --merchant-key: npm start prints the demo merchant's API key)" : "";
  throw new Error(`${init.method ?? "GET"} ${path} answered ${response.status}${detail ? ` ${detail}` : ""}${hint}`);
}

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}

function portFromEnvironment(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${name} must be a port number, got "${value}"`);
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { "merchant-key": { type: "string" }, connector: { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help) {
    console.log(
      "npm run webhooks:listen -- [--merchant-key mck_...] [--connector http://127.0.0.1:8787]   (port: WEBHOOK_LISTEN_PORT, default 8790)",
    );
    return;
  }
  const connectorPort = portFromEnvironment(process.env.PORT, DEFAULT_CONNECTOR_PORT, "PORT");
  await startWebhookListener({
    port: portFromEnvironment(process.env.WEBHOOK_LISTEN_PORT, DEFAULT_LISTEN_PORT, "WEBHOOK_LISTEN_PORT"),
    connectorUrl: (values.connector ?? `http://127.0.0.1:${connectorPort}`).replace(/\/+$/, ""),
    ...(values["merchant-key"] ? { merchantKey: values["merchant-key"] } : {}),
    ...(process.env.WEBHOOK_SECRET ? { secret: process.env.WEBHOOK_SECRET } : {}),
  });
  console.log("Ctrl-C stops; deliveries sent meanwhile are retried and arrive after the next start.");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
