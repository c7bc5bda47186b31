/**
 * `BANK_PROFILE=iso20022 npm start`: the local stack's Worker speaks ISO
 * 20022 to the simulator, and the payment the banner's curl sends is paid
 * through it (a pain.001 the simulator validated, answered with a pain.002).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureDevPki } from "../../tools/dev-pki.ts";
import { DEMO_PAYMENT, startLocalStack } from "../../tools/local-stack.ts";

describe("the local stack with BANK_PROFILE=iso20022", () => {
  const workDir = mkdtempSync(join(tmpdir(), "connector-iso-stack-"));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it("pays the banner's payment through the simulator's ISO 20022 endpoints", async () => {
    const pki = ensureDevPki(join(workDir, "pki"));
    const stack = await startLocalStack({
      port: 0,
      stateDir: join(workDir, "state"),
      adminToken: "iso-stack-test-admin-token-0123456789abcdef",
      bankProfile: "iso20022",
      simulator: { port: 0, controlPort: 0, latencyMs: 0 },
      pkiDir: pki.dir,
      bankJournalPath: join(workDir, "ledger.jsonl"),
      logRequests: false,
    });
    try {
      const created = await fetch(`${stack.url}/admin/v1/merchants`, {
        method: "POST",
        headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "Demo Shop", debtor_iban: "DE02120300000000202051" }),
      });
      const merchant = (await created.json()) as { api_key: string };
      const paid = await fetch(`${stack.url}/v1/payments`, {
        method: "POST",
        headers: { authorization: `Bearer ${merchant.api_key}`, "content-type": "application/json", "idempotency-key": "banner-curl" },
        body: JSON.stringify(DEMO_PAYMENT),
      });
      expect(paid.status).toBe(201);
      expect(await paid.json()).toMatchObject({ status: "succeeded", amount: 1250, bank: { status: "ACSC" } });
      const submissions = stack.simulator?.requests.filter((r) => r.method === "POST") ?? [];
      expect(submissions.map((r) => [r.path, r.profile, r.xsd_valid])).toEqual([["/iso20022/payments", "iso20022", true]]);
    } finally {
      await stack.close();
    }
  });
});
