import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import type { TestBank } from "./test/global-setup.ts";
import { TEST_ADMIN_TOKEN } from "./test/support/constants.ts";

const workersProject = {
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
    // Workers log one JSON line per request; show them only for failing tests.
    silent: "passed-only" as const,
  },
};

/** Tests of Node-side tools (the benchmark's smoke run): plain Node, no workerd pool. */
const nodeProject = {
  test: {
    name: "node",
    include: ["test/node/**/*.test.ts"],
    environment: "node" as const,
    testTimeout: 180_000,
    silent: "passed-only" as const,
  },
};

export default defineConfig({
  test: { projects: [workersProject, nodeProject] },
});
