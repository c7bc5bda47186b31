/**
 * The typed client cancels a payment the connector has provably never sent:
 * the local stack talks (over mTLS) to a bank that turns every submission
 * away at its door with 429, so each payment stays pending and unsent, and
 * POST /v1/payments/{id}/cancel through the client cancels it, twice alike.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnectorClient } from "../../clients/typescript/src/index.ts";
import { ensureDevPki } from "../../tools/dev-pki.ts";
import { type LocalStack, startLocalStack } from "../../tools/local-stack.ts";
import { freePort, THROWAWAY_ADMIN_TOKEN } from "./support/throwaway-stack.ts";

const workDir = mkdtempSync(join(tmpdir(), "connector-client-cancel-"));
let bank: Server;
let stack: LocalStack;
let submissions = 0;

beforeAll(async () => {
  const pki = ensureDevPki(join(workDir, "pki"));
  // Mutual TLS like the real bank, and then a rate limit on every request: nothing is ever booked.
  bank = createServer(
    { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true, rejectUnauthorized: true },
    (request, response) => {
      if (request.method === "POST") submissions++;
      request.resume();
      response.writeHead(429, { "content-type": "application/json", "retry-after": "60" });
      response.end(JSON.stringify({ code: "rate_limited", message: "slow down" }));
    },
  );
  const bankPort = await freePort();
  await new Promise<void>((resolve) => bank.listen(bankPort, "127.0.0.1", resolve));
  stack = await startLocalStack({
    port: await freePort(),
    stateDir: join(workDir, "state"),
    adminToken: THROWAWAY_ADMIN_TOKEN,
    bank: {
      url: `https://localhost:${bankPort}`,
      caFile: join(pki.dir, "ca.pem"),
      clientCertFile: join(pki.dir, "client.pem"),
      clientKeyFile: join(pki.dir, "client.key"),
    },
    simulator: { port: 0, controlPort: 0, latencyMs: 0 },
    logRequests: false,
  });
});

afterAll(async () => {
  await stack?.close();
  bank?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe("cancel through the typed client", () => {
  it("cancels a pending payment the bank never took, and a second cancel answers it unchanged", async () => {
    const admin = createConnectorClient({ baseUrl: stack.url, apiKey: THROWAWAY_ADMIN_TOKEN });
    const created = await admin.api.POST("/admin/v1/merchants", { body: { name: "Cancel GmbH", debtor_iban: "DE75512108001245126199" } });
    if (!created.data) throw new Error(JSON.stringify(created.error));
    const merchant = createConnectorClient({ baseUrl: stack.url, apiKey: created.data.api_key });

    const pending = await merchant.createPayment({
      amount: 1250,
      currency: "EUR",
      creditor: { name: "Jane Supplier", iban: "DE89370400440532013000" },
      reference: "Invoice 46",
    });
    expect(pending).toMatchObject({ status: 202, payment: { status: "pending" } });
    expect(submissions).toBeGreaterThan(0);

    const canceled = await merchant.cancelPayment(pending.payment?.id as string);
    expect(canceled).toMatchObject({ status: 200, payment: { id: pending.payment?.id, status: "canceled" } });
    const again = await merchant.cancelPayment(pending.payment?.id as string);
    expect(again).toMatchObject({ status: 200, payment: { status: "canceled" } });
    const read = await merchant.api.GET("/v1/payments/{id}", { params: { path: { id: pending.payment?.id as string } } });
    expect(read.data?.status).toBe("canceled");
  });
});
