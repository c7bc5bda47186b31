/**
 * `npm start`: the connector on workerd (Miniflare) with BANK wired to a bank
 * over real mTLS: by default the bundled simulator with a generated dev PKI,
 * or any bank named by BANK_URL and its certificate files. Durable Object
 * state is kept under STATE_DIR (default .wrangler/state, as `wrangler dev`
 * does), so payments survive a restart and are recovered after it.
 * Environment variables are documented in README.md.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { parseConfig } from "../src/platform/config.ts";
import { type BankSimulator, startBankSimulator } from "./bank-simulator/simulator.ts";
import { buildWorker } from "./build-worker.ts";
import { ensureDevPki } from "./dev-pki.ts";

const DEV_DIR = ".dev";
/** Miniflare's route that runs the scheduled handler (with unsafeTriggerHandlers). */
export const SCHEDULED_PATH = "/cdn-cgi/local/scheduled";
/** The Cron Trigger of wrangler.jsonc (test/node/local-stack-scheduled.test.ts checks they agree). */
export const DAILY_CRON = "20 0 * * *";
/** Which bank contract the Worker speaks (BANK_PROFILE); the simulator serves both at once. */
const BANK_PROFILES = ["json", "iso20022"] as const;
export type BankProfile = (typeof BANK_PROFILES)[number];

/** The payment the banner's curl sends (test/node/local-stack-iso20022.test.ts pays it through each bank profile). */
export const DEMO_PAYMENT = {
  amount: 1250,
  currency: "EUR",
  creditor: { name: "Jane Supplier", iban: "DE89370400440532013000" },
  reference: "Invoice 42",
} as const;

export interface LocalStackOptions {
  port: number;
  stateDir: string;
  adminToken?: string;
  /** Passed to the Worker as BANK_PROFILE, whichever bank it talks to (default json). */
  bankProfile?: BankProfile;
  bank?: { url: string; caFile: string; clientCertFile: string; clientKeyFile: string };
  simulator: { port: number; controlPort: number; latencyMs: number };
  bankTimeoutMs?: number;
  /** Where the dev PKI lives (default .dev/pki). */
  pkiDir?: string;
  /** The simulator's ledger journal (default .dev/bank-ledger.jsonl). */
  bankJournalPath?: string;
  /** Miniflare's one line per request (default true; the benchmark turns it off). */
  logRequests?: boolean;
  /** Receives the Worker's log lines instead of the console (the benchmark counts them). */
  onWorkerLog?: (log: { level: string; message: string }) => void;
  /** Miniflare's unsafeInspectDurableObjects: lets Node run SQL inside an object (benchmark seeding). */
  inspectDurableObjects?: boolean;
  /** Also serve the Worker on a socket of its own, without Miniflare's dev entry Worker in front (LocalStack.directUrl). */
  directSocket?: boolean;
  /** Runs another Worker instead of the connector (the benchmark's floor), with the same runtime, bank and persistence. */
  worker?: { scriptPath: string; durableObjects: Record<string, { className: string; useSQLite: true }> };
  /** Opens workerd's V8 inspector on this port (0: a free one; see miniflare.getInspectorURL()). */
  inspectorPort?: number;
}

export interface LocalStack {
  url: string;
  /** With options.directSocket: the Worker's own socket, as production has no dev entry Worker. */
  directUrl?: string;
  adminToken: string;
  adminTokenGenerated: boolean;
  bankUrl: string;
  simulator?: BankSimulator;
  miniflare: Miniflare;
  close(): Promise<void>;
}

export function optionsFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): LocalStackOptions {
  const bankFiles = [env.BANK_CA_FILE, env.BANK_CLIENT_CERT_FILE, env.BANK_CLIENT_KEY_FILE];
  if (env.BANK_URL && bankFiles.some((file) => !file)) {
    throw new Error("BANK_URL needs BANK_CA_FILE, BANK_CLIENT_CERT_FILE and BANK_CLIENT_KEY_FILE as well.");
  }
  return {
    port: integer(env.PORT, 8787, "PORT"),
    stateDir: env.STATE_DIR ?? ".wrangler/state",
    bankProfile: bankProfile(env.BANK_PROFILE),
    ...(env.ADMIN_TOKEN ? { adminToken: env.ADMIN_TOKEN } : {}),
    ...(env.BANK_URL
      ? {
          bank: {
            url: env.BANK_URL,
            caFile: env.BANK_CA_FILE as string,
            clientCertFile: env.BANK_CLIENT_CERT_FILE as string,
            clientKeyFile: env.BANK_CLIENT_KEY_FILE as string,
          },
        }
      : {}),
    simulator: {
      port: integer(env.BANK_SIM_PORT, 8443, "BANK_SIM_PORT"),
      controlPort: integer(env.BANK_SIM_CONTROL_PORT, 8444, "BANK_SIM_CONTROL_PORT"),
      latencyMs: integer(env.BANK_SIM_LATENCY_MS, 0, "BANK_SIM_LATENCY_MS"),
    },
    ...(env.BANK_TIMEOUT_MS !== undefined && env.BANK_TIMEOUT_MS !== ""
      ? { bankTimeoutMs: integer(env.BANK_TIMEOUT_MS, 10_000, "BANK_TIMEOUT_MS") }
      : {}),
  };
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  mkdirSync(DEV_DIR, { recursive: true });
  let simulator: BankSimulator | undefined;
  let bankUrl: string;
  let tls: { ca: string; cert: string; key: string };
  if (options.bank) {
    bankUrl = options.bank.url;
    tls = {
      ca: readNamedFile("BANK_CA_FILE", options.bank.caFile),
      cert: readNamedFile("BANK_CLIENT_CERT_FILE", options.bank.clientCertFile),
      key: readNamedFile("BANK_CLIENT_KEY_FILE", options.bank.clientKeyFile),
    };
  } else {
    const pki = ensureDevPki(options.pkiDir);
    simulator = await startBankSimulator({
      port: options.simulator.port,
      controlPort: options.simulator.controlPort,
      latencyMs: options.simulator.latencyMs,
      tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert },
      journalPath: options.bankJournalPath ?? `${DEV_DIR}/bank-ledger.jsonl`,
    });
    bankUrl = simulator.url;
    tls = { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey };
  }

  const { token: adminToken, generated: adminTokenGenerated } = resolveAdminToken(options.adminToken);
  const bindings = {
    BANK_URL: bankUrl,
    BANK_PROFILE: options.bankProfile ?? "json",
    ADMIN_TOKEN: adminToken,
    // Webhooks to a receiver on this machine (npm run webhooks:listen); never set by wrangler.jsonc.
    ALLOW_LOOPBACK_WEBHOOKS: "true",
    ...(options.bankTimeoutMs !== undefined ? { BANK_TIMEOUT_MS: String(options.bankTimeoutMs) } : {}),
  };
  // The Worker validates the same settings at its first request; checked here
  // too, with the same parser, so a bad value is a clear line now rather than
  // a 500 from workerd.
  try {
    parseConfig(bindings);
  } catch (error) {
    await simulator?.close();
    throw error;
  }
  const scriptPath = options.worker?.scriptPath ?? (await buildWorker());
  const bank = new URL(bankUrl);
  // Miniflare 5 takes a new option shape; the v4 shape below is the one its
  // docs and the vitest plugin use, converted by Miniflare's own function.
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: options.port,
      modules: true,
      scriptPath,
      compatibilityDate: "2026-11-01",
      compatibilityFlags: ["nodejs_compat"],
      durableObjects: options.worker?.durableObjects ?? {
        MERCHANT: { className: "MerchantAccount", useSQLite: true },
        REGISTRY: { className: "MerchantRegistry", useSQLite: true },
      },
      bindings,
      serviceBindings: {
        BANK: {
          external: {
            address: `${bank.hostname}:${bank.port || "443"}`,
            https: {
              options: {},
              tlsOptions: { keypair: { privateKey: tls.key, certificateChain: tls.cert }, trustedCertificates: [tls.ca] },
              certificateHost: bank.hostname,
            },
          },
        },
      },
      resourcePersistencePath: options.stateDir,
      // GET /cdn-cgi/local/scheduled?cron=…&time=<epoch ms> runs the Worker's scheduled handler now,
      // as the Cron Trigger in wrangler.jsonc would (Miniflare's own route, answered before the Worker).
      unsafeTriggerHandlers: true,
      ...(options.logRequests === false ? { logRequests: false } : {}),
      ...(options.onWorkerLog ? { handleStructuredLogs: options.onWorkerLog } : {}),
      ...(options.inspectDurableObjects ? { unsafeInspectDurableObjects: true } : {}),
      ...(options.directSocket ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] } : {}),
      ...(options.inspectorPort !== undefined ? { inspectorPort: options.inspectorPort } : {}),
    }),
  );
  let ready: URL;
  try {
    ready = await miniflare.ready;
  } catch (error) {
    await simulator?.close();
    const message = error instanceof Error ? error.message : String(error);
    // Miniflare's own hint names a --port flag this script does not have.
    throw new Error(/address already in use|--port/i.test(message) ? `port ${options.port} is in use: set PORT to another one` : message);
  }
  const url = ready.toString().replace(/\/$/, "");
  const directUrl = options.directSocket ? (await miniflare.unsafeGetDirectURL()).toString().replace(/\/$/, "") : undefined;
  return {
    url,
    ...(directUrl ? { directUrl } : {}),
    adminToken,
    adminTokenGenerated,
    bankUrl,
    ...(simulator ? { simulator } : {}),
    miniflare,
    async close() {
      await miniflare.dispose();
      await simulator?.close();
    },
  };
}

/** Reuses the generated token across restarts so printed curl commands keep working. */
function resolveAdminToken(fromEnv: string | undefined): { token: string; generated: boolean } {
  if (fromEnv) return { token: fromEnv, generated: false };
  const file = `${DEV_DIR}/admin-token`;
  if (existsSync(file)) return { token: readFileSync(file, "utf8").trim(), generated: true };
  const token = randomBytes(32).toString("hex");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, generated: true };
}

interface DemoMerchant {
  id: string;
  api_key: string;
  debtor_iban: string;
}

/**
 * Where the demo merchant of a state directory is remembered: one file per
 * STATE_DIR, so switching directories never loses another one's key (the
 * default directory keeps the historical name).
 */
function demoMerchantFile(stateDir: string): string {
  if (resolve(stateDir) === resolve(".wrangler/state")) return `${DEV_DIR}/demo-merchant.json`;
  return `${DEV_DIR}/demo-merchant-${createHash("sha256").update(resolve(stateDir)).digest("hex").slice(0, 12)}.json`;
}

/** The demo merchant survives restarts with the state; a fresh state gets a fresh merchant. */
export async function ensureDemoMerchant(stack: LocalStack, stateDir: string): Promise<DemoMerchant> {
  const file = demoMerchantFile(stateDir);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8")) as DemoMerchant;
    const probe = await fetch(`${stack.url}/v1/payments/pay_00000000000000000000000000`, {
      headers: { authorization: `Bearer ${saved.api_key}` },
    });
    await probe.arrayBuffer();
    if (probe.status === 404) return saved;
  }
  const response = await fetch(`${stack.url}/admin/v1/merchants`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "Demo Shop", debtor_iban: "DE02120300000000202051", limits: { max_amount: 1_000_000 } }),
  });
  if (response.status !== 201) throw new Error(`could not create the demo merchant: ${response.status} ${await response.text()}`);
  const merchant = (await response.json()) as DemoMerchant;
  const saved = { id: merchant.id, api_key: merchant.api_key, debtor_iban: merchant.debtor_iban };
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  return saved;
}

function readNamedFile(variable: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

function bankProfile(value: string | undefined): BankProfile {
  if (value === undefined || value === "") return "json";
  const profile = BANK_PROFILES.find((known) => known === value);
  if (!profile) throw new Error(`BANK_PROFILE must be json or iso20022, got "${value}"`);
  return profile;
}

function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return parsed;
}

async function main(): Promise<void> {
  const options = optionsFromEnvironment();
  const stack = await startLocalStack(options);
  const merchant = await ensureDemoMerchant(stack, options.stateDir);
  const curl = [
    `curl -sS -X POST ${stack.url}/v1/payments \\`,
    `  -H 'Authorization: Bearer ${merchant.api_key}' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H "Idempotency-Key: $(uuidgen 2>/dev/null || date +%s%N)" \\`,
    `  -d '${JSON.stringify(DEMO_PAYMENT)}'`,
  ].join("\n");
  console.log(
    [
      "",
      "Payment connector running on workerd",
      `  connector:     ${stack.url}`,
      `  bank:          ${stack.bankUrl} (${stack.simulator ? "simulator, mTLS with the dev PKI in .dev/pki" : "external, mTLS"})`,
      `  bank profile:  ${options.bankProfile ?? "json"} (BANK_PROFILE)`,
      ...(stack.simulator ? [`  bank control:  ${stack.simulator.controlUrl}/control/ledger`] : []),
      `  state:         ${options.stateDir} (kept across restarts)`,
      ...(stack.adminTokenGenerated ? [`  ADMIN_TOKEN:   ${stack.adminToken} (generated, saved in .dev/admin-token)`] : []),
      `  merchant:      ${merchant.id}`,
      `  API key:       ${merchant.api_key}`,
      "",
      "Pay:",
      curl,
      "",
      `Read it back: curl -sS ${stack.url}/v1/payments/<id> -H 'Authorization: Bearer ${merchant.api_key}'`,
      `Webhooks, in another terminal: npm run webhooks:listen -- --merchant-key ${merchant.api_key}${options.port === 8787 ? "" : ` --connector ${stack.url}`}`,
      `Daily reconciliation now (the Cron Trigger): curl -sS '${stack.url}${SCHEDULED_PATH}?cron=${encodeURIComponent(DAILY_CRON).replaceAll("%20", "+")}'`,
      "Ctrl-C stops (exit code 130); pending payments resume on the next start.",
      "",
    ].join("\n"),
  );
  // No SIGINT/SIGTERM handler of ours: Miniflare's own exit hook stops
  // workerd and exits (130 / 143). Nothing is lost: the simulator journals
  // synchronously and workerd keeps each committed write on disk.
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
