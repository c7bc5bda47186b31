import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig, defineProject } from "vitest/config";
import type { TestBank } from "./test/global-setup.ts";
import { TEST_ADMIN_TOKEN } from "./test/support/constants.ts";

/** Tests that run inside workerd: the Worker, its Durable Objects, the simulator behind real mTLS. */
const workers = defineProject({
  plugins: [
    cloudflareTest(({ inject }) => {
      const bank = inject<TestBank>("bank");
      const address = `127.0.0.1:${bank.port}`;
      return {
        wrangler: { configPath: "./wrangler.jsonc" },
        miniflare: {
          bindings: { BANK_URL: bank.url, ADMIN_TOKEN: TEST_ADMIN_TOKEN, BANK_TIMEOUT_MS: "2000" },
          serviceBindings: {
            // What `npm start` wires too: the client key pair plus the bank's CA.
            BANK: {
              external: {
                address,
                https: {
                  options: {},
                  tlsOptions: { keypair: { privateKey: bank.clientKey, certificateChain: bank.clientCert }, trustedCertificates: [bank.caCert] },
                  certificateHost: "localhost",
                },
              },
            },
            // The same bank without a client certificate: the handshake must fail.
            BANK_WITHOUT_CERT: {
              external: { address, https: { options: {}, tlsOptions: { trustedCertificates: [bank.caCert] }, certificateHost: "localhost" } },
            },
            BANK_CONTROL: { external: { address: `127.0.0.1:${bank.controlPort}`, http: {} } },
          },
        },
      };
    }),
  ],
  test: {
    name: "workers",
    globalSetup: ["./test/global-setup.ts"],
    include: ["test/**/*.test.ts"],
    exclude: ["test/node/**"],
    testTimeout: 30_000,
  },
});

/** Tests of Node-side tooling (cert:check, the OpenAPI generator): they need node:fs, openssl, child processes. */
const node = defineProject({
  test: {
    name: "node",
    environment: "node",
    include: ["test/node/**/*.test.ts"],
    testTimeout: 30_000,
  },
});

// One `npm test` runs both projects. Workers log one JSON line per request; show them only for failing tests.
export default defineConfig({ test: { projects: [workers, node], silent: "passed-only" } });
