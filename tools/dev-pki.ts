/**
 * A development PKI for the local stack and the tests: a CA, a server
 * certificate for localhost (the bank simulator) and a client certificate
 * with extendedKeyUsage=clientAuth (the connector). All X.509 v3: workerd's
 * TLS refuses v1 certificates (UnsupportedCertVersion). Made with the
 * openssl CLI; keys are P-256.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface DevPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

export const DEFAULT_PKI_DIR = ".dev/pki";
const FILES = ["ca.pem", "server.pem", "server.key", "client.pem", "client.key"] as const;

/** Reuses the PKI in `dir` if complete, otherwise makes a new one there. */
export function ensureDevPki(dir: string = DEFAULT_PKI_DIR): DevPki {
  if (!FILES.every((file) => existsSync(join(dir, file)))) generateDevPki(dir);
  return readDevPki(dir);
}

export function readDevPki(dir: string): DevPki {
  const read = (file: string) => readFileSync(join(dir, file), "utf8");
  return {
    dir,
    caCert: read("ca.pem"),
    serverCert: read("server.pem"),
    serverKey: read("server.key"),
    clientCert: read("client.pem"),
    clientKey: read("client.key"),
  };
}

export function generateDevPki(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = (file: string) => join(dir, file);
  newKey(path("ca.key"));
  openssl([
    "req",
    "-x509",
    "-new",
    "-key",
    path("ca.key"),
    "-out",
    path("ca.pem"),
    "-days",
    "825",
    "-sha256",
    "-subj",
    "/O=Dev Bank/CN=Dev Bank Root CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  issueLeaf(dir, "server", "/O=Dev Bank/CN=localhost", ["extendedKeyUsage=serverAuth", "subjectAltName=DNS:localhost,IP:127.0.0.1"]);
  issueLeaf(dir, "client", "/O=Payment Connector/CN=payment-connector-dev", ["extendedKeyUsage=clientAuth"]);
}

/** Issues `${name}.pem`/`${name}.key` signed by the CA in `dir`, with the given v3 extensions. */
export function issueLeaf(dir: string, name: string, subject: string, extensions: string[], days = 397): void {
  const path = (file: string) => join(dir, file);
  newKey(path(`${name}.key`));
  openssl(["req", "-new", "-key", path(`${name}.key`), "-out", path(`${name}.csr`), "-subj", subject]);
  const extFile = path(`${name}.ext`);
  writeFileSync(extFile, `${["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", ...extensions].join("\n")}\n`);
  openssl([
    "x509",
    "-req",
    "-in",
    path(`${name}.csr`),
    "-CA",
    path("ca.pem"),
    "-CAkey",
    path("ca.key"),
    "-set_serial",
    `0x${randomSerial()}`,
    "-days",
    String(days),
    "-sha256",
    "-extfile",
    extFile,
    "-out",
    path(`${name}.pem`),
  ]);
}

export function newKey(file: string): void {
  openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file]);
}

function randomSerial(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")
    .replace(/^[89a-f]/, "1");
}

export function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}
