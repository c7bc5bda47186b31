/** BANK_PROFILE in `npm start` (tools/local-stack.ts): validated at start, passed to the Worker whichever bank it talks to. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureDevPki } from "../../tools/dev-pki.ts";
import { type LocalStackOptions, optionsFromEnvironment, startLocalStack } from "../../tools/local-stack.ts";

describe("BANK_PROFILE in the local stack's environment", () => {
  it("defaults to json and passes iso20022 through, with the simulator or with another bank", () => {
    expect(optionsFromEnvironment({}).bankProfile).toBe("json");
    expect(optionsFromEnvironment({ BANK_PROFILE: "" }).bankProfile).toBe("json");
    expect(optionsFromEnvironment({ BANK_PROFILE: "iso20022" }).bankProfile).toBe("iso20022");
    const external = optionsFromEnvironment({
      BANK_PROFILE: "iso20022",
      BANK_URL: "https://bank.example:8443",
      BANK_CA_FILE: "ca.pem",
      BANK_CLIENT_CERT_FILE: "client.pem",
      BANK_CLIENT_KEY_FILE: "client.key",
    });
    expect(external).toMatchObject({ bankProfile: "iso20022", bank: { url: "https://bank.example:8443" } });
  });

  it("refuses anything else with one clear line", () => {
    expect(() => optionsFromEnvironment({ BANK_PROFILE: "ISO20022" })).toThrow('BANK_PROFILE must be json or iso20022, got "ISO20022"');
    expect(() => optionsFromEnvironment({ BANK_PROFILE: "xml" })).toThrow(/^BANK_PROFILE must be json or iso20022/);
  });
});

describe("BANK_PROFILE reaches the Worker", () => {
  const workDir = mkdtempSync(join(tmpdir(), "connector-profile-"));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it("is bound for the Worker with the simulator and with another bank", async () => {
    const pki = ensureDevPki(join(workDir, "pki"));
    const files = {
      caFile: join(pki.dir, "ca.pem"),
      clientCertFile: join(pki.dir, "client.pem"),
      clientKeyFile: join(pki.dir, "client.key"),
    };
    const base = {
      port: 0,
      stateDir: join(workDir, "state"),
      adminToken: "profile-test-admin-token-0123456789abcdef",
      simulator: { port: 0, controlPort: 0, latencyMs: 0 },
      pkiDir: pki.dir,
      bankJournalPath: join(workDir, "ledger.jsonl"),
      logRequests: false,
    };
    const cases: LocalStackOptions[] = [
      { ...base, bankProfile: "iso20022" },
      { ...base, bankProfile: "iso20022", bank: { url: "https://localhost:1", ...files } },
      base,
    ];
    for (const options of cases) {
      const stack = await startLocalStack(options);
      try {
        const bindings = await stack.miniflare.getBindings<{ BANK_PROFILE: string }>();
        expect(bindings.BANK_PROFILE).toBe(options.bankProfile ?? "json");
      } finally {
        await stack.close();
      }
    }
  });
});
