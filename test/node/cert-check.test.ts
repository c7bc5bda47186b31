/** tools/cert-check.ts on certificates made for each defect (runs in Node: it needs openssl and node:crypto). */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectCertificate, parseArgs, x509Version } from "../../tools/cert-check.ts";
import { makeTestCertificates, type TestCertificates } from "./support/certificates.ts";

let certs: TestCertificates;

beforeAll(() => {
  certs = makeTestCertificates(mkdtempSync(join(tmpdir(), "cert-check-")));
});
afterAll(() => {
  rmSync(certs.dir, { recursive: true, force: true });
});

/** Runs the script the way `npm run cert:check --` does (same Node binary, same entry file). */
function runCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["tools/cert-check.ts", ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const read = (file: string) => readFileSync(file, "utf8");

describe("cert:check", () => {
  it("passes a good v3 clientAuth certificate with its key, printing every field", () => {
    const { status, stdout } = runCli(certs.good.cert, "--key", certs.good.key);
    expect(status, stdout).toBe(0);
    for (const field of [
      "subject:",
      "issuer:",
      "serial:",
      "valid from:",
      "valid to:",
      "days left:",
      "key:",
      "version:",
      "clientAuth:",
      "key matches:",
    ]) {
      expect(stdout).toContain(field);
    }
    expect(stdout).toMatch(/subject:\s+O=Payment Connector, CN=good/);
    expect(stdout).toMatch(/issuer:\s+O=Dev Bank, CN=Dev Bank Root CA/);
    expect(stdout).toMatch(/key:\s+ec 256 bits/);
    expect(stdout).toMatch(/version:\s+v3/);
    expect(stdout).toMatch(/clientAuth:\s+yes/);
    expect(stdout).toMatch(/key matches: yes/);
    expect(stdout).toMatch(/result:\s+OK/);
  });

  it.each<[string, () => { cert: string; key: string }, RegExp]>([
    ["an expired certificate", () => certs.expired, /expired on/],
    ["an X.509 v1 certificate", () => certs.v1, /is X\.509 v1/],
    ["a server-only certificate", () => certs.serverOnly, /lacks the clientAuth/],
    ["a certificate with someone else's key", () => certs.mismatchedKey, /private key does not belong/],
    ["a certificate expiring within 30 days", () => certs.shortLived, /expires in \d days, under the 30-day threshold/],
  ])("exits 1 for %s and says why", (_name, pick, reason) => {
    const { cert, key } = pick();
    const { status, stdout } = runCli(cert, "--key", key);
    expect(status, stdout).toBe(1);
    expect(stdout).toMatch(/result:\s+FAIL/);
    expect(stdout).toMatch(reason);
  });

  it("honours --days", () => {
    expect(runCli(certs.shortLived.cert, "--days", "5").status).toBe(0);
    expect(runCli(certs.good.cert, "--days", "400").status).toBe(1);
  });

  it("exits 2 on usage errors and unreadable files, without a stack trace", () => {
    for (const args of [[], ["--days", "x", certs.good.cert], [join(certs.dir, "missing.pem")], [certs.good.key]]) {
      const { status, stderr } = runCli(...args);
      expect(status, args.join(" ")).toBe(2);
      expect(stderr).toMatch(/^cert:check: /);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("refuses a certificate that is not valid yet", () => {
    const report = inspectCertificate(read(certs.good.cert), { now: new Date("2000-01-01T00:00:00Z") });
    expect(report.problems).toEqual([expect.stringMatching(/^not valid until /)]);
  });

  it("reads the version from the DER", () => {
    const der = (file: string) => new Uint8Array(Buffer.from(read(file).replace(/-----[^-]+-----|\s/g, ""), "base64"));
    expect(x509Version(der(certs.good.cert))).toBe(3);
    expect(x509Version(der(certs.v1.cert))).toBe(1);
  });

  it("judges the leaf of a chain file", () => {
    const report = inspectCertificate(read(certs.good.cert) + read(join(certs.dir, "ca.pem")), { keyPem: read(certs.good.key) });
    expect(report).toMatchObject({ chainLength: 2, problems: [], keyMatches: true, isCa: false });
  });

  it("parses its arguments", () => {
    expect(parseArgs(["c.pem", "--key", "k.pem", "--days", "7"])).toEqual({ certPath: "c.pem", keyPath: "k.pem", thresholdDays: 7 });
    expect(() => parseArgs(["c.pem", "--frobnicate"])).toThrow(/unknown option/);
  });
});
