/**
 * Certificates for the cert:check tests, made with the openssl CLI like the
 * dev PKI: a CA from generateDevPki, then one leaf per defect.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateDevPki, issueLeaf, newKey, openssl } from "../../../tools/dev-pki.ts";

export interface TestCertificates {
  dir: string;
  good: { cert: string; key: string };
  expired: { cert: string; key: string };
  v1: { cert: string; key: string };
  serverOnly: { cert: string; key: string };
  /** The good certificate with somebody else's key. */
  mismatchedKey: { cert: string; key: string };
  /** Expires in 10 days: fine at --days 5, refused at the default 30. */
  shortLived: { cert: string; key: string };
}

export function makeTestCertificates(dir: string): TestCertificates {
  generateDevPki(dir);
  const path = (file: string) => join(dir, file);
  const pair = (name: string) => ({ cert: path(`${name}.pem`), key: path(`${name}.key`) });

  issueLeaf(dir, "good", "/O=Payment Connector/CN=good", ["extendedKeyUsage=clientAuth"]);
  // -days -1: notAfter one day in the past (openssl 3.0 refuses anything lower).
  issueLeaf(dir, "expired", "/O=Payment Connector/CN=expired", ["extendedKeyUsage=clientAuth"], -1);
  issueLeaf(dir, "server-only", "/O=Dev Bank/CN=server-only", ["extendedKeyUsage=serverAuth"]);
  issueLeaf(dir, "short-lived", "/O=Payment Connector/CN=short-lived", ["extendedKeyUsage=clientAuth"], 10);

  // X.509 v1: `x509 -req` without -extfile writes no extensions and no version field.
  newKey(path("v1.key"));
  openssl(["req", "-new", "-key", path("v1.key"), "-out", path("v1.csr"), "-subj", "/O=Payment Connector/CN=v1"]);
  openssl([
    "x509",
    "-req",
    "-in",
    path("v1.csr"),
    "-CA",
    path("ca.pem"),
    "-CAkey",
    path("ca.key"),
    "-set_serial",
    "0x1234",
    "-days",
    "397",
    "-out",
    path("v1.pem"),
  ]);

  newKey(path("other.key"));
  writeFileSync(path("README"), "Throw-away certificates made by test/node/support/certificates.ts.\n");
  return {
    dir,
    good: pair("good"),
    expired: pair("expired"),
    v1: pair("v1"),
    serverOnly: pair("server-only"),
    mismatchedKey: { cert: path("good.pem"), key: path("other.key") },
    shortLived: pair("short-lived"),
  };
}
