/**
 * Harness for the bank simulator's own tests (test/node/bank-simulator-*):
 * a simulator with a throw-away dev PKI, a client that calls it over real
 * mTLS, its control plane, pain.001 documents written here (not by the
 * simulator's code), and XML reading for the answers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { type BankSimulator, type BankSimulatorOptions, startBankSimulator } from "../../../tools/bank-simulator/simulator.ts";
import { type DevPki, ensureDevPki } from "../../../tools/dev-pki.ts";

export const FIXTURES = new URL("../../fixtures/iso20022/", import.meta.url).pathname;
const XML_TYPE = "application/xml; charset=utf-8";

export interface TestBank {
  simulator: BankSimulator;
  pki: DevPki;
  call(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<BankAnswer>;
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

interface BankAnswer {
  status: number;
  contentType: string;
  text: string;
}

export async function startTestBank(options: Partial<BankSimulatorOptions> = {}): Promise<TestBank> {
  const dir = mkdtempSync(join(tmpdir(), "bank-sim-test-"));
  const pki = ensureDevPki(join(dir, "pki"));
  const simulator = await startBankSimulator({ tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert }, ...options });
  const base = new URL(simulator.url);
  return {
    simulator,
    pki,
    call(method, path, body, headers = {}) {
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: "127.0.0.1",
            port: base.port,
            servername: "localhost",
            method,
            path,
            ca: pki.caCert,
            cert: pki.clientCert,
            key: pki.clientKey,
            agent: false,
            headers: { ...(body !== undefined ? { "content-type": XML_TYPE } : {}), ...headers },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () =>
              resolve({
                status: res.statusCode ?? 0,
                contentType: String(res.headers["content-type"] ?? ""),
                text: Buffer.concat(chunks).toString("utf8"),
              }),
            );
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    },
    async control(method, path, body) {
      const response = await fetch(`${simulator.controlUrl}${path}`, {
        method,
        ...(body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, body: await response.json() };
    },
    async close() {
      await simulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Pain001Fields {
  endToEndId: string;
  debtorIban: string;
  /** Major units as the document writes them, e.g. "12.50". */
  amount?: string;
  currency?: string;
  creditorIban?: string;
  creditorName?: string;
  remittance?: string;
  /** Overrides of the group's and the payment information's NbOfTxs / CtrlSum. */
  nbOfTxs?: string;
  ctrlSum?: string;
  /** Extra CdtTrfTxInf blocks (a second transaction). */
  extraTransactions?: string;
}

/** A pain.001.001.09 as a SEPA client writes it: MsgId = PmtInfId = EndToEndId. */
export function pain001(fields: Pain001Fields): string {
  const amount = fields.amount ?? "12.50";
  const id = fields.endToEndId;
  const transaction = `
      <CdtTrfTxInf>
        <PmtId><EndToEndId>${id}</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="${fields.currency ?? "EUR"}">${amount}</InstdAmt></Amt>
        <Cdtr><Nm>${fields.creditorName ?? "Jane Supplier"}</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>${fields.creditorIban ?? "DE89370400440532013000"}</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>${fields.remittance ?? "Invoice 42"}</Ustrd></RmtInf>
      </CdtTrfTxInf>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>${id}</MsgId>
      <CreDtTm>2026-11-23T10:00:00Z</CreDtTm>
      <NbOfTxs>${fields.nbOfTxs ?? "1"}</NbOfTxs>
      <CtrlSum>${fields.ctrlSum ?? amount}</CtrlSum>
      <InitgPty><Nm>Demo Shop</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>${id}</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <NbOfTxs>${fields.nbOfTxs ?? "1"}</NbOfTxs>
      <CtrlSum>${fields.ctrlSum ?? amount}</CtrlSum>
      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>
      <ReqdExctnDt><Dt>2026-11-23</Dt></ReqdExctnDt>
      <Dbtr><Nm>Demo Shop</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>${fields.debtorIban}</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId></DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>${transaction}${fields.extraTransactions ?? ""}
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
`;
}

/** The JSON API's request for the same transfer. */
export function jsonTransfer(endToEndId: string, debtorIban: string, value = 1250): string {
  return JSON.stringify({
    end_to_end_id: endToEndId,
    debtor_iban: debtorIban,
    creditor: { name: "Jane Supplier", iban: "DE89370400440532013000" },
    amount: { value, currency: "EUR" },
    remittance_information: "Invoice 42",
  });
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (name) => ["Ntry", "TxDtls", "Bal", "TxInfAndSts", "StsRsnInf"].includes(name),
});

/** The document's message element (under Document), its name and its namespace. */
export function readDocument(text: string): { namespace: string; message: unknown; root: string } {
  const document = pick(parser.parse(text), "Document") as Record<string, unknown>;
  const root = Object.keys(document).find((key) => !key.startsWith("@")) ?? "";
  // The parser drops xmlns attributes along with prefixes; the namespace is read from the text.
  const namespace = /<Document\s+xmlns="([^"]+)"/.exec(text)?.[1] ?? "";
  return { namespace, message: document[root], root };
}

/** The node at a dotted path ("GrpHdr.MsgPgntn.PgNb"; "Ntry.0.Amt" indexes a list). */
export function pick(node: unknown, path: string): unknown {
  let current = node;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The text at a path (an element with attributes keeps its text in "#text"). */
export function text(node: unknown, path: string): string | undefined {
  const value = pick(node, path);
  if (typeof value === "string") return value;
  const inner = pick(value, "#text");
  return typeof inner === "string" ? inner : undefined;
}

/** The items at a path that may repeat (always a list). */
export function list(node: unknown, path: string): unknown[] {
  const value = pick(node, path);
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

let ibanCounter = 0;
/** A valid German IBAN distinct per call (debtor IBANs scope the simulator's per-account state). */
export function uniqueIban(): string {
  ibanCounter++;
  const bban = `37040044${String(Date.now() % 1e6).padStart(6, "0")}${String(ibanCounter).padStart(4, "0")}`;
  const numeric = `${bban}131400`; // "DE00" moved to the end, letters as digits (D=13, E=14)
  const check = 98n - (BigInt(numeric) % 97n);
  return `DE${String(check).padStart(2, "0")}${bban}`;
}

let idCounter = 0;
export function uniqueId(prefix = "E2E"): string {
  idCounter++;
  return `${prefix}${Date.now().toString(36).toUpperCase()}${String(idCounter).padStart(4, "0")}`;
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return (async () => {
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  })();
}
