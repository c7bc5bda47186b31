/**
 * A bank that really demands client certificates: Node https with
 * requestCert and rejectUnauthorized, so a connection without a certificate
 * signed by the bank's CA fails the TLS handshake and never reaches a
 * handler. A second, plain-HTTP listener on loopback is the control plane
 * for tests and operators (ledger, request log, latency).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { BankCreditTransferRequest } from "../../schemas/bank-api.ts";
import { readBody, sendJson } from "../node-http.ts";
import { type FaultContext, scheduleSettlement, serveFaultyInquiry, serveFaultySubmission } from "./fault-responses.ts";
import { FaultBook, FaultRuleInput } from "./faults.ts";
import { Ledger, transferView } from "./ledger.ts";
import { StatementDesk } from "./statements.ts";

export interface BankSimulatorOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  controlPort?: number;
  /** A second mTLS listener on the same ledger that the control plane can close (0: a free port). */
  drillPort?: number;
  tls: { key: string; cert: string; ca: string };
  /** Added before every bank API answer. */
  latencyMs?: number;
  /** Currencies the bank books; others are refused with 422. */
  currencies?: string[];
  /** Append-only file that keeps the ledger across restarts (none: in memory only). */
  journalPath?: string;
  /** Entries per statement page unless a test sets one for its debtor (tools/bank-simulator/statements.ts). */
  statementPageSize?: number;
}

export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  client_cn: string | null;
  end_to_end_id?: string;
  /** From the body of a submission, even an invalid one, so tests can scope "was the bank called?" by merchant. */
  debtor_iban?: string;
  /** The fault injected into this request, if any. */
  fault?: string;
}

export interface BankSimulator {
  url: string;
  controlUrl: string;
  /** The drill door: the same bank behind a listener that can be closed to refuse connections. */
  drillUrl: string;
  ledger: Ledger;
  faults: FaultBook;
  requests: RequestLogEntry[];
  stats: { tlsRejections: number };
  setLatency(ms: number): void;
  /** Closing a door stops its listener and drops its connections: new connections are refused. */
  setDoor(door: DoorName, open: boolean): Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

export type DoorName = "main" | "drill";

export async function startBankSimulator(options: BankSimulatorOptions): Promise<BankSimulator> {
  const host = options.host ?? "127.0.0.1";
  const ledger = new Ledger(options.journalPath);
  // Settlements planned before a restart still happen (at once if overdue).
  for (const entry of ledger.plannedSettlements()) scheduleSettlement(ledger, entry);
  const requests: RequestLogEntry[] = [];
  const stats = { tlsRejections: 0 };
  let latencyMs = options.latencyMs ?? 0;
  const currencies = new Set(options.currencies ?? ["EUR"]);
  const statements = new StatementDesk(ledger, options.statementPageSize);
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
    const entry: RequestLogEntry = {
      at: new Date().toISOString(),
      method: req.method ?? "",
      path: url.pathname,
      client_cn: commonName(peer?.subject?.CN),
    };
    requests.push(entry);
    const body = await readBody(req, MAX_BODY_BYTES);
    if (latencyMs > 0) await sleep(latencyMs);

    if (req.method === "POST" && url.pathname === "/v1/credit-transfers") {
      const raw = parseJson(body) as { debtor_iban?: unknown } | undefined;
      if (typeof raw?.debtor_iban === "string") entry.debtor_iban = raw.debtor_iban;
      const parsed = BankCreditTransferRequest.safeParse(raw);
      if (!parsed.success) {
        return sendJson(res, 400, { code: "INVALID_REQUEST", message: parsed.error.issues.map((i) => i.path.join(".")).join(", ") });
      }
      entry.end_to_end_id = parsed.data.end_to_end_id;
      faults.rememberDebtor(parsed.data.end_to_end_id, parsed.data.debtor_iban);
      const fault = faults.take({ operation: "submit", endToEndId: parsed.data.end_to_end_id, debtorIban: parsed.data.debtor_iban });
      if (fault) {
        entry.fault = fault.kind;
        if ((await serveFaultySubmission(fault, parsed.data, faultContext(req, res))) === "handled") return;
      }
      if (!currencies.has(parsed.data.amount.currency)) {
        return sendJson(res, 422, { code: "CURRENCY_NOT_SUPPORTED", message: `This bank does not book ${parsed.data.amount.currency}.` });
      }
      const { entry: booked, duplicate } = ledger.book(parsed.data, statements.bookingStatusFor(parsed.data.debtor_iban), {
        bookedAt: statements.bookingTimeFor(parsed.data.debtor_iban),
      });
      return sendJson(res, duplicate ? 200 : 201, transferView(booked));
    }
    const inquiry = /^\/v1\/credit-transfers\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && inquiry) {
      const id = decodeURIComponent(inquiry[1] ?? "");
      entry.end_to_end_id = id;
      ledger.noteInquiry(id);
      const fault = faults.take({ operation: "inquiry", endToEndId: id, debtorIban: undefined });
      if (fault) {
        entry.fault = fault.kind;
        if ((await serveFaultyInquiry(fault, id, faultContext(req, res))) === "handled") return;
      }
      const booked = ledger.get(id);
      return booked ? sendJson(res, 200, transferView(booked)) : sendJson(res, 404, { code: "NOT_FOUND", message: "No such transfer." });
    }
    if (req.method === "GET" && url.pathname === "/v1/statements") {
      const answer = statements.statementPage(url.searchParams);
      return sendJson(res, answer.status, answer.body);
    }
    return sendJson(res, 404, { code: "NO_ROUTE", message: "No such endpoint." });
  }

  function faultContext(req: IncomingMessage, res: ServerResponse): FaultContext {
    return { req, res, ledger, faults, sendJson };
  }

  const control = createHttpServer((req, res) => {
    void handleControlRequest(req, res).catch((error: unknown) => sendJson(res, 500, { error: String(error) }));
  });

  async function handleControlRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://control.local");
    const body = await readBody(req, MAX_BODY_BYTES);
    if (req.method === "GET" && url.pathname === "/control/ledger") {
      const debtor = url.searchParams.get("debtor_iban");
      return sendJson(res, 200, { transfers: ledger.all().filter((e) => !debtor || e.debtor_iban === debtor) });
    }
    const one = /^\/control\/ledger\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && one) {
      const entry = ledger.get(decodeURIComponent(one[1] ?? ""));
      return entry ? sendJson(res, 200, entry) : sendJson(res, 404, { error: "no such transfer" });
    }
    if (req.method === "GET" && url.pathname === "/control/requests") {
      const e2e = url.searchParams.get("end_to_end_id");
      const debtor = url.searchParams.get("debtor_iban");
      return sendJson(res, 200, {
        requests: requests.filter((r) => (!e2e || r.end_to_end_id === e2e) && (!debtor || r.debtor_iban === debtor)),
      });
    }
    if (req.method === "GET" && url.pathname === "/control/stats") {
      return sendJson(res, 200, { requests: requests.length, tls_rejections: stats.tlsRejections, transfers: ledger.all().length });
    }
    if (req.method === "PUT" && url.pathname === "/control/latency") {
      const ms = Number((parseJson(body) as { ms?: unknown } | undefined)?.ms);
      if (!Number.isFinite(ms) || ms < 0) return sendJson(res, 400, { error: "ms must be a non-negative number" });
      latencyMs = ms;
      return sendJson(res, 200, { ms });
    }
    const statementControl = statements.handleControl(req.method ?? "", url.pathname, parseJson(body));
    if (statementControl) return sendJson(res, statementControl.status, statementControl.body);
    if (url.pathname === "/control/faults") {
      if (req.method === "GET") return sendJson(res, 200, { rules: faults.list() });
      if (req.method === "POST") {
        const parsed = FaultRuleInput.safeParse(parseJson(body));
        if (!parsed.success) return sendJson(res, 400, { error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) });
        return sendJson(res, 201, faults.add(parsed.data));
      }
      if (req.method === "DELETE") {
        const debtor = url.searchParams.get("debtor_iban");
        if (!debtor) return sendJson(res, 400, { error: "debtor_iban is required" });
        return sendJson(res, 200, { removed: faults.removeForDebtor(debtor) });
      }
    }
    const rule = /^\/control\/faults\/([^/]+)$/.exec(url.pathname);
    if (req.method === "DELETE" && rule) {
      return faults.remove(decodeURIComponent(rule[1] ?? ""))
        ? sendJson(res, 200, { removed: 1 })
        : sendJson(res, 404, { error: "no such rule" });
    }
    const door = /^\/control\/doors\/(main|drill)$/.exec(url.pathname);
    if (req.method === "PUT" && door) {
      const open = (parseJson(body) as { open?: unknown } | undefined)?.open;
      if (typeof open !== "boolean") return sendJson(res, 400, { error: "open must be a boolean" });
      await setDoor(door[1] as DoorName, open);
      return sendJson(res, 200, { door: door[1], open });
    }
    return sendJson(res, 404, { error: "no such control endpoint" });
  }

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
    requests,
    stats,
    setLatency(ms) {
      latencyMs = ms;
    },
    setDoor,
    async close() {
      for (const server of [bank, drill, control]) server.closeAllConnections();
      await Promise.all([bank, drill, control].filter((s) => s.listening).map((s) => new Promise((r) => s.close(r))));
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function commonName(cn: string | string[] | undefined): string | null {
  if (cn === undefined) return null;
  return Array.isArray(cn) ? cn.join(",") : cn;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
