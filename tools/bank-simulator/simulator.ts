/**
 * A bank that really demands client certificates: Node https with
 * requestCert and rejectUnauthorized, so a connection without a certificate
 * signed by the bank's CA fails the TLS handshake and never reaches a
 * handler. It serves two contracts at once on one ledger: the JSON API (/v1)
 * and ISO 20022 (/iso20022: pain.001 in, pain.002 / camt.053 / camt.054
 * out). A second, plain-HTTP listener on loopback is the control plane for
 * tests and operators (control-plane.ts).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { BankCreditTransferRequest } from "../../schemas/bank-api.ts";
import { readBody, sendJson } from "../node-http.ts";
import { type AnswerStyle, type BankDialect, jsonDialect, sendText } from "./answers.ts";
import { type DoorName, handleControlRequest, parseJson, type RequestLogEntry } from "./control-plane.ts";
import { type ReadFaultBodies, scheduleSettlement, serveFaultyRead } from "./fault-responses.ts";
import { sleep } from "./fault-transport.ts";
import { type BankOperation, FaultBook } from "./faults.ts";
import {
  brokenCamtBodies,
  type IsoContext,
  type IsoReadAnswer,
  isoNotifications,
  isoStatementPage,
  serveIsoInquiry,
  serveIsoSubmission,
} from "./iso/routes.ts";
import { IsoSettingsDesk } from "./iso/settings.ts";
import { XML_CONTENT_TYPE } from "./iso/xml.ts";
import { Ledger } from "./ledger.ts";
import { notificationPage } from "./notifications.ts";
import { scheduleReturn } from "./returns.ts";
import { invalidRequest, StatementDesk } from "./statements.ts";
import { serveInquiry, serveSubmission } from "./transfer-desk.ts";
import { type DocumentValidator, XsdValidator } from "./xsd-validator.ts";

/** The EPC SEPA Credit Transfer (C2PSP) schema every pain.001 is validated against. */
export const DEFAULT_PAIN001_SCHEMA_PATH = new URL(
  "../../test/fixtures/iso20022/pain.001.001.09.EPC132-08_2023_V1.0_SCT_C2PSP.xsd",
  import.meta.url,
).pathname;

export interface BankSimulatorOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  controlPort?: number;
  /** A second mTLS listener on the same ledger that the control plane can close (0: a free port). */
  drillPort?: number;
  tls: { key: string; cert: string; ca: string };
  /** The bank's total response time; the XSD validation of a pain.001 is part of it, not added to it. */
  latencyMs?: number;
  /** Currencies the bank books; others are refused with 422 (ISO: RJCT AM03). The first is the accounts' currency. */
  currencies?: string[];
  /** Append-only file that keeps the ledger across restarts (none: in memory only). */
  journalPath?: string;
  /** Entries per statement page unless a test sets one for its debtor (tools/bank-simulator/statements.ts). */
  statementPageSize?: number;
  /** XSD for pain.001 (default: the EPC SCT C2PSP schema in test/fixtures/iso20022). */
  pain001SchemaPath?: string;
  /** Replaces the libxml2 validator (tests: a slow one); the simulator then leaves closing it to the caller. */
  validator?: DocumentValidator;
}

export interface BankSimulator {
  url: string;
  controlUrl: string;
  /** The drill door: the same bank behind a listener that can be closed to refuse connections. */
  drillUrl: string;
  ledger: Ledger;
  faults: FaultBook;
  isoSettings: IsoSettingsDesk;
  requests: RequestLogEntry[];
  stats: { tlsRejections: number };
  setLatency(ms: number): void;
  /** Closing a door stops its listener and drops its connections: new connections are refused. */
  setDoor(door: DoorName, open: boolean): Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
const ISO_PREFIX = "/iso20022/";

export async function startBankSimulator(options: BankSimulatorOptions): Promise<BankSimulator> {
  const host = options.host ?? "127.0.0.1";
  const ledger = new Ledger(options.journalPath);
  // Settlements and returns planned before a restart still happen (at once if overdue).
  for (const entry of ledger.plannedSettlements()) scheduleSettlement(ledger, entry);
  for (const entry of ledger.plannedReturns()) scheduleReturn(ledger, entry);
  const validator = options.validator ?? (await XsdValidator.start(options.pain001SchemaPath ?? DEFAULT_PAIN001_SCHEMA_PATH));
  const requests: RequestLogEntry[] = [];
  const stats = { tlsRejections: 0 };
  let latencyMs = options.latencyMs ?? 0;
  const currencyList = options.currencies ?? ["EUR"];
  const currencies = new Set(currencyList);
  const statements = new StatementDesk(ledger, options.statementPageSize);
  const isoSettings = new IsoSettingsDesk();
  const faults = new FaultBook();

  function createBankServer(): Server {
    const server = createHttpsServer(
      { key: options.tls.key, cert: options.tls.cert, ca: options.tls.ca, requestCert: true, rejectUnauthorized: true, keepAlive: true },
      (req, res) => {
        void handleBankRequest(req, res).catch((error: unknown) => {
          if (!res.headersSent) sendJson(res, 500, { code: "INTERNAL", message: String(error) });
        });
      },
    );
    server.on("tlsClientError", () => {
      stats.tlsRejections++;
    });
    return server;
  }
  const bank = createBankServer();
  const drill = createBankServer();

  async function handleBankRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://bank.local");
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    const log: RequestLogEntry = {
      at: new Date().toISOString(),
      method: req.method ?? "",
      path: url.pathname,
      client_cn: commonName(peer?.subject?.CN),
      profile: url.pathname.startsWith(ISO_PREFIX) ? "iso20022" : "json",
    };
    requests.push(log);
    const body = await readBody(req, MAX_BODY_BYTES);
    const isoSubmission = req.method === "POST" && url.pathname === "/iso20022/payments";
    const xml = isoSubmission && isXmlContentType(req.headers["content-type"]);
    // The configured latency is the bank's whole answer time: validating the pain.001 is spent out of it.
    const verdict = xml ? await validator.validate(body) : undefined;
    if (verdict) {
      log.validation_ms = Math.round(verdict.ms * 1000) / 1000;
      log.xsd_valid = verdict.valid;
    }
    const delay = Math.max(0, latencyMs - (verdict?.ms ?? 0));
    if (delay > 0) await sleep(delay);

    const style: AnswerStyle = { offset: undefined };
    const base = { req, res, ledger, faults, statements, currencies, log, style };
    const iso: IsoContext = { ...base, isoSettings, accountCurrency: currencyList[0] ?? "EUR" };
    const transferPath = /^\/(v1\/credit-transfers|iso20022\/payments)\/([^/]+)$/.exec(url.pathname);
    if (isoSubmission) {
      if (!verdict) return sendJson(res, 415, { code: "UNSUPPORTED_MEDIA_TYPE", message: `Send ${XML_CONTENT_TYPE}.` });
      return serveIsoSubmission(body, verdict, iso);
    }
    if (req.method === "POST" && url.pathname === "/v1/credit-transfers") {
      const raw = parseJson(body) as { debtor_iban?: unknown } | undefined;
      if (typeof raw?.debtor_iban === "string") log.debtor_iban = raw.debtor_iban;
      const parsed = BankCreditTransferRequest.safeParse(raw);
      if (!parsed.success) {
        const refused = invalidRequest(parsed.error);
        return sendJson(res, refused.status, refused.body);
      }
      return serveSubmission({ request: parsed.data, ids: { endToEndId: parsed.data.end_to_end_id } }, { ...base, dialect: jsonDialect });
    }
    if (req.method === "GET" && transferPath) {
      const endToEndId = decodeURIComponent(transferPath[2] ?? "");
      if (transferPath[1] === "iso20022/payments") return serveIsoInquiry(endToEndId, iso);
      return serveInquiry(endToEndId, { ...base, dialect: jsonDialect });
    }
    const read = readRoute(req.method, url.pathname);
    if (read) {
      const debtor = url.searchParams.get(read.profile === "json" ? "debtor_iban" : "account") ?? undefined;
      if (debtor !== undefined) style.offset = statements.timestampOffsetFor(debtor);
      const fault = faults.take({ operation: read.operation, endToEndId: undefined, debtorIban: debtor });
      if (fault) {
        log.fault = fault.kind;
        const bodies = read.profile === "json" ? BROKEN_JSON_BODIES : brokenCamtBodies();
        if ((await serveFaultyRead(fault, { ...base, dialect: jsonDialect }, bodies)) === "handled") return;
      }
      return sendReadAnswer(res, read.answer(url.searchParams, iso));
    }
    return sendJson(res, 404, { code: "NO_ROUTE", message: "No such endpoint." });
  }

  const control = createHttpServer((req, res) => {
    void handleControlRequest(req, res, {
      ledger,
      faults,
      statements,
      isoSettings,
      requests,
      stats,
      setLatency: (ms) => {
        latencyMs = ms;
      },
      setDoor,
    }).catch((error: unknown) => sendJson(res, 500, { error: String(error) }));
  });

  await listen(bank, options.port ?? 0, host);
  await listen(drill, options.drillPort ?? 0, host);
  await listen(control, options.controlPort ?? 0, "127.0.0.1");
  const bankPort = (bank.address() as AddressInfo).port;
  const drillPort = (drill.address() as AddressInfo).port;
  const controlPort = (control.address() as AddressInfo).port;
  const doors: Record<DoorName, { server: Server; port: number }> = {
    main: { server: bank, port: bankPort },
    drill: { server: drill, port: drillPort },
  };

  async function setDoor(name: DoorName, open: boolean): Promise<void> {
    const { server, port } = doors[name];
    if (open === server.listening) return;
    if (open) return listen(server, port, host);
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  }

  return {
    url: `https://localhost:${bankPort}`,
    controlUrl: `http://127.0.0.1:${controlPort}`,
    drillUrl: `https://localhost:${drillPort}`,
    ledger,
    faults,
    isoSettings,
    requests,
    stats,
    setLatency(ms) {
      latencyMs = ms;
    },
    setDoor,
    async close() {
      for (const server of [bank, drill, control]) server.closeAllConnections();
      await Promise.all([bank, drill, control].filter((s) => s.listening).map((s) => new Promise((r) => s.close(r))));
      if (!options.validator) await validator.close();
    },
  };
}

interface ReadRoute {
  profile: BankDialect["profile"];
  operation: BankOperation;
  answer(params: URLSearchParams, context: IsoContext): IsoReadAnswer;
}

/** Statement and notification reads of both profiles (fault rules match them only when they name the operation). */
function readRoute(method: string | undefined, pathname: string): ReadRoute | undefined {
  if (method !== "GET") return undefined;
  switch (pathname) {
    case "/v1/statements":
      return { profile: "json", operation: "statement", answer: (params, c) => c.statements.statementPage(params, c.style) };
    case "/v1/notifications":
      return {
        profile: "json",
        operation: "notification",
        answer: (params, c) => notificationPage(c.ledger, c.statements, params, c.style),
      };
    case "/iso20022/statements":
      return { profile: "iso20022", operation: "statement", answer: isoStatementPage };
    case "/iso20022/notifications":
      return { profile: "iso20022", operation: "notification", answer: isoNotifications };
    default:
      return undefined;
  }
}

const BROKEN_JSON_BODIES: ReadFaultBodies = {
  contentType: "application/json",
  truncated: '{"entries":[{"transfer_id":"TRF',
  contractViolation: '{"entries":"none","next_cursor":0}',
};

function sendReadAnswer(res: ServerResponse, answer: IsoReadAnswer): void {
  if ("xml" in answer) sendText(res, answer.status, XML_CONTENT_TYPE, answer.xml);
  else sendJson(res, answer.status, answer.body);
}

/** application/xml or text/xml, in UTF-8 if a charset is named. */
function isXmlContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type, ...parameters] = header.split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/xml" && type !== "text/xml") return false;
  const charset = parameters
    .find((p) => p.startsWith("charset="))
    ?.slice("charset=".length)
    .replace(/"/g, "");
  return charset === undefined || charset === "utf-8";
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
}

function commonName(cn: string | string[] | undefined): string | null {
  if (cn === undefined) return null;
  return Array.isArray(cn) ? cn.join(",") : cn;
}
