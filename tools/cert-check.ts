/**
 * `npm run cert:check -- path/to/cert.pem [--key key.pem] [--days N]`
 *
 * Inspects the client certificate the connector presents to the bank (the
 * file given to `wrangler mtls-certificate upload`) and exits non-zero when
 * it would fail in production or soon: expired, not yet valid, X.509 v1
 * (workerd refuses those), no clientAuth extended key usage, a private key
 * that does not belong to it, or fewer than N days left (default 30).
 * Only the leaf (first certificate of the file) is judged; the rest of a chain is listed.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

export const DEFAULT_THRESHOLD_DAYS = 30;
const DAY_MS = 86_400_000;
const CLIENT_AUTH_OID = "1.3.6.1.5.5.7.3.2";
const EC_CURVE_BITS: Record<string, number> = { prime256v1: 256, "P-256": 256, secp384r1: 384, "P-384": 384, secp521r1: 521, "P-521": 521 };

export interface CertificateReport {
  subject: string;
  issuer: string;
  serial: string;
  validFrom: Date;
  validTo: Date;
  daysLeft: number;
  keyType: string;
  keyBits: number | null;
  version: number;
  clientAuth: boolean;
  extendedKeyUsage: string[];
  isCa: boolean;
  keyMatches: boolean | null;
  chainLength: number;
  /** Each reason the certificate must not be (or soon not be) used; empty when fine. */
  problems: string[];
}

export function inspectCertificate(
  certPem: string,
  options: { keyPem?: string; now?: Date; thresholdDays?: number } = {},
): CertificateReport {
  const now = options.now ?? new Date();
  const thresholdDays = options.thresholdDays ?? DEFAULT_THRESHOLD_DAYS;
  const blocks = certPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error("no PEM certificate found");
  const cert = new X509Certificate(blocks[0] as string);
  const validFrom = new Date(cert.validFrom);
  const validTo = new Date(cert.validTo);
  const daysLeft = Math.floor((validTo.getTime() - now.getTime()) / DAY_MS);
  const extendedKeyUsage = cert.keyUsage ?? [];
  const version = x509Version(cert.raw);
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const keyBits = details.modulusLength ?? (details.namedCurve ? (EC_CURVE_BITS[details.namedCurve] ?? null) : null);
  let keyMatches: boolean | null = null;
  if (options.keyPem !== undefined) {
    try {
      keyMatches = cert.checkPrivateKey(createPrivateKey(options.keyPem));
    } catch {
      keyMatches = false;
    }
  }

  const problems: string[] = [];
  if (now < validFrom) problems.push(`not valid until ${validFrom.toISOString()}`);
  if (now > validTo) problems.push(`expired on ${validTo.toISOString()}`);
  else if (daysLeft < thresholdDays) problems.push(`expires in ${daysLeft} days, under the ${thresholdDays}-day threshold`);
  if (version !== 3) problems.push(`is X.509 v${version}; the bank handshake needs v3 (workerd rejects older versions)`);
  if (!extendedKeyUsage.includes(CLIENT_AUTH_OID)) problems.push("lacks the clientAuth extended key usage");
  if (cert.ca) problems.push("is a CA certificate, not a client (leaf) certificate");
  if (keyMatches === false) problems.push("the private key does not belong to this certificate");
  if (key.asymmetricKeyType === "rsa" && keyBits !== null && keyBits < 2048) problems.push(`RSA key of ${keyBits} bits is too weak`);

  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    serial: cert.serialNumber,
    validFrom,
    validTo,
    daysLeft,
    keyType: key.asymmetricKeyType ?? "unknown",
    keyBits,
    version,
    clientAuth: extendedKeyUsage.includes(CLIENT_AUTH_OID),
    extendedKeyUsage,
    isCa: cert.ca,
    keyMatches,
    chainLength: blocks.length,
    problems,
  };
}

export function formatReport(report: CertificateReport): string {
  const lines = [
    `subject:     ${report.subject}`,
    `issuer:      ${report.issuer}`,
    `serial:      ${report.serial}`,
    `valid from:  ${report.validFrom.toISOString()}`,
    `valid to:    ${report.validTo.toISOString()}`,
    `days left:   ${report.daysLeft}`,
    `key:         ${report.keyType}${report.keyBits ? ` ${report.keyBits} bits` : ""}`,
    `version:     v${report.version}`,
    `clientAuth:  ${report.clientAuth ? "yes" : "no"}${report.extendedKeyUsage.length ? ` (EKU ${report.extendedKeyUsage.join(", ")})` : " (no extended key usage)"}`,
    `key matches: ${report.keyMatches === null ? "not checked (no --key)" : report.keyMatches ? "yes" : "NO"}`,
    `chain:       ${report.chainLength} certificate(s) in the file`,
  ];
  lines.push(report.problems.length === 0 ? "result:      OK" : `result:      FAIL\n${report.problems.map((p) => `  - ${p}`).join("\n")}`);
  return lines.join("\n");
}

/**
 * The certificate's version from its DER: TBSCertificate starts with an
 * explicit [0] version field only for v2/v3; v1 certificates omit it.
 */
export function x509Version(der: Uint8Array): number {
  const outer = readTlv(der, 0); // Certificate SEQUENCE
  const tbs = readTlv(der, outer.contentStart); // TBSCertificate SEQUENCE
  const first = readTlv(der, tbs.contentStart);
  if (first.tag !== 0xa0) return 1;
  const versionInt = readTlv(der, first.contentStart);
  return (der[versionInt.contentStart] ?? 0) + 1;
}

function readTlv(der: Uint8Array, offset: number): { tag: number; contentStart: number; length: number } {
  const tag = der[offset] ?? 0;
  let length = der[offset + 1] ?? 0;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | (der[contentStart + i] ?? 0);
    contentStart += count;
  }
  return { tag, contentStart, length };
}

function oneLine(name: string): string {
  return name.split("\n").filter(Boolean).join(", ");
}

export interface CliArgs {
  certPath: string;
  keyPath?: string;
  thresholdDays: number;
}

export function parseArgs(argv: string[]): CliArgs {
  let certPath: string | undefined;
  let keyPath: string | undefined;
  let thresholdDays = DEFAULT_THRESHOLD_DAYS;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--key") keyPath = argv[++i];
    else if (arg === "--days") {
      thresholdDays = Number(argv[++i]);
      if (!Number.isInteger(thresholdDays) || thresholdDays < 0) throw new Error("--days takes a non-negative integer");
    } else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}`);
    else if (certPath === undefined) certPath = arg;
    else throw new Error(`unexpected argument ${arg}`);
  }
  if (!certPath) throw new Error("usage: npm run cert:check -- path/to/cert.pem [--key key.pem] [--days N]");
  return { certPath, thresholdDays, ...(keyPath ? { keyPath } : {}) };
}

/** Exit codes: 0 fine, 1 the certificate has problems, 2 usage or unreadable input. */
export function main(argv: string[]): number {
  let args: CliArgs;
  let report: CertificateReport;
  try {
    args = parseArgs(argv);
    const certPem = readFileSync(args.certPath, "utf8");
    const keyPem = args.keyPath ? readFileSync(args.keyPath, "utf8") : undefined;
    report = inspectCertificate(certPem, { thresholdDays: args.thresholdDays, ...(keyPem !== undefined ? { keyPem } : {}) });
  } catch (error) {
    console.error(`cert:check: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  console.log(formatReport(report));
  return report.problems.length === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = main(process.argv.slice(2));
}
