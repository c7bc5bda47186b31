import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import type { TestBank } from "./test/global-setup.ts";
import { TEST_ADMIN_TOKEN } from "./test/support/constants.ts";

/**
 * Three projects, one `npm test`:
 * - "workers": the connector inside workerd (real Durable Objects, SQLite,
 *   the bank simulator over real mTLS), BANK_PROFILE=json;
 * - "workers-iso20022": the bank guarantee tests again with BANK_PROFILE=iso20022;
 * - "node": tooling that runs in Node (local stack, scripts, benchmark smoke).
 */
// wrangler.jsonc declares ADMIN_TOKEN a required secret; the plugin reads required secrets from the
// environment (and warns when one is missing). Tests use their own fixed token.
process.env.ADMIN_TOKEN ??= TEST_ADMIN_TOKEN;

/** The tests that hold the connector to its bank guarantees; run in both bank profiles. */
const BANK_GUARANTEE_TESTS = ["test/crash-recovery.test.ts", "test/fault-modes.test.ts", "test/chaos.test.ts"];

/**
 * A workerd project: the connector with BANK_PROFILE `profile`, against its
 * own bank simulator (test/global-setup.ts runs per project).
 */
function workersProject(name: string, profile: "json" | "iso20022", include: string[], exclude: string[], setupFiles: string[] = []) {
  return {
    plugins: [
      cloudflareTest(({ inject }) => {
        const bank = inject<TestBank>("bank");
        const address = `127.0.0.1:${bank.port}`;
        /** The bank's HTTPS with the client key pair and the bank's CA, on `port`. */
        const bankDoor = (port: number) => ({
          external: {
            address: `127.0.0.1:${port}`,
            https: {
              options: {},
              tlsOptions: {
                keypair: { privateKey: bank.clientKey, certificateChain: bank.clientCert },
                trustedCertificates: [bank.caCert],
              },
              certificateHost: "localhost",
            },
          },
        });
        const webhookReceiver = { external: { address: `127.0.0.1:${inject("webhookReceiverPort")}`, http: {} } };
        return {
          wrangler: { configPath: "./wrangler.jsonc" },
          miniflare: {
            bindings: {
              BANK_URL: bank.url,
              BANK_PROFILE: profile,
              ADMIN_TOKEN: TEST_ADMIN_TOKEN,
              BANK_TIMEOUT_MS: "2000",
              // CHF is admitted but the simulator books EUR only: tests get a bank refusal (422) from it.
              BANK_CURRENCIES: "EUR,CHF",
              WEBHOOK_TIMEOUT_MS: "1000",
              // Short recovery delays so tests drive recovery in milliseconds, not minutes.
              RECOVERY_BASE_DELAY_MS: "20",
              RECOVERY_MAX_DELAY_MS: "400",
              IN_FLIGHT_GRACE_MS: "300",
              BANK_CIRCUIT_COOLDOWN_MS: "200",
              // A 404 is confirmed by a second one this much later (tests: fast; the default is 10 s).
              INQUIRY_CONFIRM_DELAY_MS: "300",
              ATTENTION_AFTER_ATTEMPTS: "6",
              // Chaos test seed: `CHAOS_SEED=123 npm test` replays a failing run.
              CHAOS_SEED: process.env.CHAOS_SEED ?? "",
            },
            serviceBindings: {
              // What `npm start` wires too: the client key pair plus the bank's CA.
              BANK: bankDoor(bank.port),
              // The same bank without a client certificate: the handshake must fail.
              BANK_WITHOUT_CERT: {
                external: {
                  address,
                  https: { options: {}, tlsOptions: { trustedCertificates: [bank.caCert] }, certificateHost: "localhost" },
                },
              },
              // Fault tests: the simulator's drill door (closable), and a port where no bank listens.
              BANK_DRILL_DOOR: bankDoor(bank.drillPort),
              BANK_UNREACHABLE: bankDoor(bank.unreachablePort),
              BANK_CONTROL: { external: { address: `127.0.0.1:${bank.controlPort}`, http: {} } },
              // Webhook POSTs to any https URL land on the local receiver; tests read it through WEBHOOK_RECEIVER.
              WEBHOOK_FETCH: webhookReceiver,
              WEBHOOK_RECEIVER: webhookReceiver,
            },
          },
        };
      }),
    ],
    test: { name, globalSetup: ["./test/global-setup.ts"], setupFiles, include, exclude },
  };
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    // Workers log one JSON line per request; show them only for failing tests.
    silent: "passed-only",
    projects: [
      workersProject("workers", "json", ["test/**/*.test.ts"], ["test/node/**", "test/iso20022-profile/**"]),
      // The bank guarantees again under ISO 20022: the crash, fault-mode and chaos tests (the same files, run a
      // second time with BANK_PROFILE=iso20022), and the profile's own end-to-end tests. Only these, not the
      // whole suite: the rest does not touch the bank contract, and CI time stays well under 30 minutes.
      // Its setup file checks, after each file, that every pain.001 the connector sent was valid against the EPC schema.
      workersProject(
        "workers-iso20022",
        "iso20022",
        [...BANK_GUARANTEE_TESTS, "test/iso20022-profile/**/*.test.ts"],
        [],
        ["./test/support/iso20022-sent-documents.ts"],
      ),
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts"],
          testTimeout: 120_000,
        },
      },
    ],
  },
});
