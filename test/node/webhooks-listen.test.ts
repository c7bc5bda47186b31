/**
 * The README's two-terminal webhook flow: the local stack (what `npm start`
 * runs), `npm run webhooks:listen -- --merchant-key ...` in a second process,
 * a payment, and the listener printing a verified payment.succeeded.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureDevPki } from "../../tools/dev-pki.ts";
import { type LocalStack, startLocalStack } from "../../tools/local-stack.ts";
import { freePort } from "./support/throwaway-stack.ts";

const workDir = mkdtempSync(join(tmpdir(), "connector-webhooks-listen-"));
let stack: LocalStack | undefined;
const listeners: ChildProcess[] = [];

afterAll(async () => {
  for (const listener of listeners) stopListener(listener);
  await stack?.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** Output of a spawned listener, line by line, with a way to wait for a line. */
class ListenerOutput {
  readonly lines: string[] = [];
  private partial = "";

  constructor(readonly process: ChildProcess) {
    process.stdout?.setEncoding("utf8").on("data", (chunk: string) => this.add(chunk));
    process.stderr?.setEncoding("utf8").on("data", (chunk: string) => this.add(chunk));
  }

  private add(chunk: string): void {
    const parts = (this.partial + chunk).split("\n");
    this.partial = parts.pop() ?? "";
    this.lines.push(...parts);
  }

  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find((candidate) => pattern.test(candidate));
      if (line) return line;
      if (this.process.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no line matching ${pattern}; output so far:\n${this.lines.join("\n")}${this.partial}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** `npm run webhooks:listen` as a developer types it in the second terminal. */
function startListener(connectorUrl: string, merchantKey: string, port: number): ListenerOutput {
  const child = spawn("npm", ["run", "--silent", "webhooks:listen", "--", "--merchant-key", merchantKey, "--connector", connectorUrl], {
    env: { ...process.env, WEBHOOK_LISTEN_PORT: String(port) },
    // Its own process group, so stopping it also stops the node process npm starts.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  listeners.push(child);
  return new ListenerOutput(child);
}

function stopListener(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
  }
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once("exit", resolve));
}

describe("npm run webhooks:listen against the local stack", () => {
  it("registers itself, verifies every delivery and prints a verified payment.succeeded, never a secret", async () => {
    const pki = ensureDevPki(join(workDir, "pki"));
    const [port, bankPort, controlPort, listenPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const adminToken = "listen-test-admin-token-0123456789abcdef";
    stack = await startLocalStack({
      port,
      stateDir: join(workDir, "state"),
      adminToken,
      simulator: { port: bankPort, controlPort, latencyMs: 0 },
      pkiDir: pki.dir,
      bankJournalPath: join(workDir, "bank-ledger.jsonl"),
      logRequests: false,
    });
    const merchant = (await (
      await fetch(`${stack.url}/admin/v1/merchants`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "Listen GmbH", debtor_iban: "DE02120300000000202051" }),
      })
    ).json()) as { api_key: string };
    const auth = { authorization: `Bearer ${merchant.api_key}` };

    const first = startListener(stack.url, merchant.api_key, listenPort);
    await first.waitFor(/registered as webhook endpoint whe_/);
    const endpoints = (await (await fetch(`${stack.url}/v1/webhook-endpoints`, { headers: auth })).json()) as { data: { url: string }[] };
    expect(endpoints.data.map((endpoint) => endpoint.url)).toEqual([`http://127.0.0.1:${listenPort}/webhooks`]);

    const paid = await fetch(`${stack.url}/v1/payments`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", "idempotency-key": "listen-1" },
      body: JSON.stringify({ amount: 1250, currency: "EUR", creditor: { name: "Jane", iban: "DE89370400440532013000" }, reference: "r" }),
    });
    const payment = (await paid.json()) as { id: string; status: string };
    expect(payment.status).toBe("succeeded");

    const succeeded = await first.waitFor(new RegExp(`payment\\.succeeded payment=${payment.id} status=succeeded .*verified=yes$`));
    expect(succeeded).toContain("amount=1250 EUR");
    await first.waitFor(new RegExp(`payment\\.pending payment=${payment.id} status=pending .*verified=yes$`));
    // The listener answered 2xx, so the connector counts both as delivered (recorded just after the answer: poll).
    let deliveries: [string, number[]][] = [];
    for (let i = 0; i < 100; i++) {
      const events = (await (await fetch(`${stack.url}/v1/events`, { headers: auth })).json()) as {
        data: { deliveries: { state: string; attempts: { status: number }[] }[] }[];
      };
      deliveries = events.data.flatMap((event) =>
        event.deliveries.map((d): [string, number[]] => [d.state, d.attempts.map((a) => a.status)]),
      );
      if (deliveries.every(([state]) => state !== "pending")) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(deliveries).toEqual([
      ["delivered", [204]],
      ["delivered", [204]],
    ]);
    const output = first.lines.join("\n");
    expect(output).not.toContain("whsec_");
    expect(output).not.toContain(merchant.api_key);
    expect(output).not.toMatch(/verified=no/);

    // A second run on the same port reuses the endpoint with a fresh secret instead of adding one.
    stopListener(first.process);
    await exited(first.process);
    const second = startListener(stack.url, merchant.api_key, listenPort);
    await second.waitFor(/re-registered as webhook endpoint whe_/);
    const after = (await (await fetch(`${stack.url}/v1/webhook-endpoints`, { headers: auth })).json()) as { data: unknown[] };
    expect(after.data).toHaveLength(1);
    await fetch(`${stack.url}/v1/payments`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", "idempotency-key": "listen-2" },
      body: JSON.stringify({ amount: 990, currency: "EUR", creditor: { name: "Jane", iban: "DE89370400440532013000" }, reference: "r" }),
    });
    await second.waitFor(/payment\.succeeded payment=pay_\w+ status=succeeded amount=990 EUR verified=yes$/);
  });

  it("exits with a clear line when the merchant key is wrong", async () => {
    if (!stack) throw new Error("the stack of the previous test is needed");
    const listener = startListener(stack.url, "mck_wrong", await freePort());
    await exited(listener.process);
    expect(listener.process.exitCode).toBe(1);
    expect(listener.lines.join("\n")).toMatch(/GET \/v1\/webhook-endpoints answered 401 .*check --merchant-key/);
  });
});
