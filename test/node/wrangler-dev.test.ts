/**
 * Plain `npx wrangler dev` with the settings of .dev.vars.example: everything
 * but the bank works (operator API, lists, docs), and a payment is refused
 * with 503 bank-not-configured naming `npm start` (issue 17, item 3).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./support/throwaway-stack.ts";

const workDir = mkdtempSync(join(tmpdir(), "connector-wrangler-dev-"));
const STARTUP_TIMEOUT_MS = 60_000;
let child: ChildProcess;
let url: string;
let output = "";

beforeAll(async () => {
  const port = await freePort();
  copyFileSync(".dev.vars.example", join(workDir, "dev.vars"));
  url = `http://127.0.0.1:${port}`;
  child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      join(workDir, "state"),
      "--env-file",
      join(workDir, "dev.vars"),
    ],
    { detached: true, stdio: ["ignore", "pipe", "pipe"], env: wranglerEnvironment() as NodeJS.ProcessEnv },
  );
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    const ready = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`wrangler dev did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, STARTUP_TIMEOUT_MS + 5_000);

afterAll(async () => {
  // The whole process group: npx, wrangler and workerd.
  if (child?.pid !== undefined && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(-child.pid, "SIGTERM");
    await exited;
  }
  rmSync(workDir, { recursive: true, force: true });
});

/**
 * Wrangler takes required secrets from its environment before .dev.vars, and
 * vitest.config.ts puts the test token there: dropped, so the example file's
 * token is the one in force, as for a newcomer. (A plain record: ProcessEnv is
 * typed by worker-configuration.d.ts with the Worker's variables.)
 */
function wranglerEnvironment(): Record<string, string | undefined> {
  const { ADMIN_TOKEN: _, ...rest } = process.env;
  return { ...rest, WRANGLER_SEND_METRICS: "false" };
}

/** The token of the example file, which is what a newcomer copies to .dev.vars. */
function adminToken(): string {
  const line = /^ADMIN_TOKEN=(.+)$/m.exec(readFileSync(".dev.vars.example", "utf8"));
  if (!line?.[1]) throw new Error(".dev.vars.example has no ADMIN_TOKEN line");
  return line[1];
}

describe("npx wrangler dev with .dev.vars.example", () => {
  it("creates and lists merchants, and refuses a payment with 503 bank-not-configured naming npm start", async () => {
    const admin = { authorization: `Bearer ${adminToken()}` };
    const created = await fetch(`${url}/admin/v1/merchants`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ name: "Wrangler Dev GmbH", debtor_iban: "DE89370400440532013000" }),
    });
    expect(created.status).toBe(201);
    const merchant = (await created.json()) as { id: string; api_key: string };
    const listed = (await (await fetch(`${url}/admin/v1/merchants`, { headers: admin })).json()) as { data: Array<{ id: string }> };
    expect(listed.data.map((m) => m.id)).toContain(merchant.id);

    const payment = await fetch(`${url}/v1/payments`, {
      method: "POST",
      headers: { authorization: `Bearer ${merchant.api_key}`, "content-type": "application/json", "idempotency-key": "dev-1" },
      body: JSON.stringify({ amount: 1250, currency: "EUR", creditor: { name: "Jane", iban: "DE89370400440532013000" }, reference: "x" }),
    });
    expect(payment.status).toBe(503);
    const problem = (await payment.json()) as { type: string; detail: string };
    expect(problem.type).toBe("urn:payment-connector:problem:bank-not-configured");
    expect(problem.detail).toContain("npm start");

    const docs = await fetch(`${url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-type")).toMatch(/^text\/html/);
  });
});
