/**
 * The simulator's control plane: plain HTTP on loopback, never behind mTLS,
 * for tests and operators. docs/bank-api.md lists every endpoint.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendJson } from "../node-http.ts";
import type { BankProfile } from "./answers.ts";
import { type FaultBook, FaultRuleInput } from "./faults.ts";
import type { IsoSettingsDesk } from "./iso/settings.ts";
import type { Ledger } from "./ledger.ts";
import { handleReturnControl } from "./returns.ts";
import type { StatementDesk } from "./statements.ts";

const MAX_CONTROL_BODY_BYTES = 64 * 1024;

export type DoorName = "main" | "drill";

export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  client_cn: string | null;
  /** Which contract the request used: /v1 (json) or /iso20022. */
  profile: BankProfile;
  end_to_end_id?: string;
  /** From the body of a submission, even an invalid one, so tests can scope "was the bank called?" by merchant. */
  debtor_iban?: string;
  /** The fault injected into this request, if any. */
  fault?: string;
  /** ISO 20022 submissions: how long XSD validation of the pain.001 took, ms. */
  validation_ms?: number;
  /** ISO 20022 submissions: whether the pain.001 was valid against the schema (false: answered 400 RJCT FF01). */
  xsd_valid?: boolean;
}

export interface ControlPlaneDeps {
  ledger: Ledger;
  faults: FaultBook;
  statements: StatementDesk;
  isoSettings: IsoSettingsDesk;
  requests: RequestLogEntry[];
  stats: { tlsRejections: number };
  setLatency(ms: number): void;
  setDoor(door: DoorName, open: boolean): Promise<void>;
}

export async function handleControlRequest(req: IncomingMessage, res: ServerResponse, deps: ControlPlaneDeps): Promise<void> {
  const { ledger, faults, requests } = deps;
  const url = new URL(req.url ?? "/", "http://control.local");
  const method = req.method ?? "";
  const body = parseJson(await readBody(req, MAX_CONTROL_BODY_BYTES));
  if (method === "GET" && url.pathname === "/control/ledger") {
    const debtor = url.searchParams.get("debtor_iban");
    return sendJson(res, 200, { transfers: ledger.all().filter((e) => !debtor || e.debtor_iban === debtor) });
  }
  const one = /^\/control\/ledger\/([^/]+)$/.exec(url.pathname);
  if (method === "GET" && one) {
    const entry = ledger.get(decodeURIComponent(one[1] ?? ""));
    return entry ? sendJson(res, 200, entry) : sendJson(res, 404, { error: "no such transfer" });
  }
  if (method === "GET" && url.pathname === "/control/requests") {
    const e2e = url.searchParams.get("end_to_end_id");
    const debtor = url.searchParams.get("debtor_iban");
    return sendJson(res, 200, {
      requests: requests.filter((r) => (!e2e || r.end_to_end_id === e2e) && (!debtor || r.debtor_iban === debtor)),
    });
  }
  if (method === "GET" && url.pathname === "/control/stats") {
    return sendJson(res, 200, { requests: requests.length, tls_rejections: deps.stats.tlsRejections, transfers: ledger.all().length });
  }
  if (method === "PUT" && url.pathname === "/control/latency") {
    const ms = Number((body as { ms?: unknown } | undefined)?.ms);
    if (!Number.isFinite(ms) || ms < 0) return sendJson(res, 400, { error: "ms must be a non-negative number" });
    deps.setLatency(ms);
    return sendJson(res, 200, { ms });
  }
  const delegated =
    deps.statements.handleControl(method, url.pathname, body) ??
    deps.isoSettings.handleControl(method, url.pathname, body) ??
    handleReturnControl(ledger, method, url.pathname, body);
  if (delegated) return sendJson(res, delegated.status, delegated.body);
  if (url.pathname === "/control/faults") {
    if (method === "GET") return sendJson(res, 200, { rules: faults.list() });
    if (method === "POST") {
      const parsed = FaultRuleInput.safeParse(body);
      if (!parsed.success) return sendJson(res, 400, { error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) });
      return sendJson(res, 201, faults.add(parsed.data));
    }
    if (method === "DELETE") {
      const debtor = url.searchParams.get("debtor_iban");
      if (!debtor) return sendJson(res, 400, { error: "debtor_iban is required" });
      return sendJson(res, 200, { removed: faults.removeForDebtor(debtor) });
    }
  }
  const rule = /^\/control\/faults\/([^/]+)$/.exec(url.pathname);
  if (method === "DELETE" && rule) {
    return faults.remove(decodeURIComponent(rule[1] ?? ""))
      ? sendJson(res, 200, { removed: 1 })
      : sendJson(res, 404, { error: "no such rule" });
  }
  const door = /^\/control\/doors\/(main|drill)$/.exec(url.pathname);
  if (method === "PUT" && door) {
    const open = (body as { open?: unknown } | undefined)?.open;
    if (typeof open !== "boolean") return sendJson(res, 400, { error: "open must be a boolean" });
    await deps.setDoor(door[1] as DoorName, open);
    return sendJson(res, 200, { door: door[1], open });
  }
  return sendJson(res, 404, { error: "no such control endpoint" });
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
