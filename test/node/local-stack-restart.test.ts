/**
 * The local stack is the product on an embedded default: a payment admitted
 * while the bank is unreachable survives a stop of the stack and is sent by
 * the recovery alarm after the next start.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureDevPki } from "../../tools/dev-pki.ts";
import { type LocalStack, startLocalStack } from "../../tools/local-stack.ts";

const workDir = mkdtempSync(join(tmpdir(), "connector-restart-"));
const stateDir = join(workDir, "state");
let stack: LocalStack | undefined;

afterAll(async () => {
  await stack?.close();
  rmSync(workDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

describe("local stack configuration", () => {
  it("refuses bad settings with a line naming each one, before starting workerd, and never prints a secret", async () => {
    const pki = ensureDevPki(join(workDir, "pki"));
    const files = {
      caFile: join(pki.dir, "ca.pem"),
      clientCertFile: join(pki.dir, "client.pem"),
      clientKeyFile: join(pki.dir, "client.key"),
    };
    const base = { port: await freePort(), stateDir, simulator: { port: 1, controlPort: 1, latencyMs: 0 } };
    const shortToken = "short-secret";
    const refused = startLocalStack({ ...base, adminToken: shortToken, bank: { url: "https://localhost:1", ...files }, bankTimeoutMs: 5 });
    await expect(refused).rejects.toThrow(
      /invalid configuration: .*ADMIN_TOKEN.*BANK_TIMEOUT_MS|invalid configuration: .*BANK_TIMEOUT_MS.*ADMIN_TOKEN/,
    );
    await expect(refused).rejects.not.toThrow(shortToken);
    await expect(
      startLocalStack({ ...base, bank: { url: "https://localhost:1", ...files, caFile: join(workDir, "missing.pem") } }),
    ).rejects.toThrow(/^BANK_CA_FILE: cannot read .*missing\.pem \(ENOENT\)$/);
  });
});

describe("local stack across a restart", () => {
  it("keeps a pending payment on disk and recovers it once the bank is back", async () => {
    const pki = ensureDevPki(join(workDir, "pki"));
    const [port, bankPort, controlPort] = [await freePort(), await freePort(), await freePort()];
    const adminToken = "restart-test-admin-token-0123456789abcdef";
    const files = {
      caFile: join(pki.dir, "ca.pem"),
      clientCertFile: join(pki.dir, "client.pem"),
      clientKeyFile: join(pki.dir, "client.key"),
    };

    // 1. Bank down: nothing listens on bankPort.
    stack = await startLocalStack({
      port,
      stateDir,
      adminToken,
      bank: { url: `https://localhost:${bankPort}`, ...files },
      simulator: { port: bankPort, controlPort, latencyMs: 0 },
      bankTimeoutMs: 1000,
    });
    const merchant = (await (
      await fetch(`${stack.url}/admin/v1/merchants`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "Restart GmbH", debtor_iban: "DE02120300000000202051" }),
      })
    ).json()) as { api_key: string };
    const auth = { authorization: `Bearer ${merchant.api_key}` };
    const admitted = await fetch(`${stack.url}/v1/payments`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", "idempotency-key": "restart-1" },
      body: JSON.stringify({ amount: 4200, currency: "EUR", creditor: { name: "Jane", iban: "DE89370400440532013000" }, reference: "r" }),
    });
    expect(admitted.status).toBe(202);
    const payment = (await admitted.json()) as { id: string; status: string };
    expect(payment.status).toBe("pending");
    await stack.close();
    stack = undefined;

    // 2. Start again on the same state, now with the simulator as the bank.
    stack = await startLocalStack({
      port,
      stateDir,
      adminToken,
      simulator: { port: bankPort, controlPort, latencyMs: 0 },
      bankTimeoutMs: 1000,
      pkiDir: pki.dir,
      bankJournalPath: join(workDir, "bank-ledger.jsonl"),
    });
    const stillThere = await fetch(`${stack.url}/v1/payments/${payment.id}`, { headers: auth });
    expect(stillThere.status).toBe(200);

    // 3. The recovery alarm sends it (backoff is seconds; poll).
    let status = "pending";
    for (let i = 0; i < 60 && status === "pending"; i++) {
      await new Promise((r) => setTimeout(r, 500));
      status = ((await (await fetch(`${stack.url}/v1/payments/${payment.id}`, { headers: auth })).json()) as { status: string }).status;
    }
    expect(status).toBe("succeeded");
    const ledger = stack.simulator?.ledger.all() ?? [];
    expect(ledger.filter((t) => t.end_to_end_id === payment.id.replace("pay_", ""))).toHaveLength(1);
  });
});
