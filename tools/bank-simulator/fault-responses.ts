/**
 * How the simulated bank misbehaves once a fault rule matched a request.
 * Each function either answers (or deliberately fails to) and returns
 * "handled", or returns "continue" so the bank serves the request normally.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { BankCreditTransferRequest } from "../../schemas/bank-api.ts";
import { type FaultAction, type FaultBook, MAX_HANG_MS } from "./faults.ts";
import { type Ledger, type LedgerEntry, transferView } from "./ledger.ts";

export type FaultResult = "handled" | "continue";

export interface FaultContext {
  req: IncomingMessage;
  res: ServerResponse;
  ledger: Ledger;
  faults: FaultBook;
  sendJson(res: ServerResponse, status: number, body: unknown): void;
}

export async function serveFaultySubmission(
  action: FaultAction,
  request: BankCreditTransferRequest,
  context: FaultContext,
): Promise<FaultResult> {
  const { res, ledger, faults, sendJson } = context;
  const book = (): LedgerEntry => ledger.book(request, "ACSC").entry;
  switch (action.kind) {
    case "latency":
      await sleep(action.ms);
      return "continue";
    case "hang":
      if (action.record) book();
      await hangUp(context);
      return "handled";
    case "server_error":
      if (action.record) book();
      sendJson(res, action.status, { code: "INTERNAL", message: "Temporary failure, please retry." });
      return "handled";
    case "reset":
      if (action.record) book();
      resetConnection(context.req.socket);
      return "handled";
    case "malformed_json": {
      const entry = book();
      sendRaw(res, 201, `{"transfer_id":"${entry.transfer_id}","end_to_end_id":"${entry.end_to_end_id}","status":"AC`);
      return "handled";
    }
    case "contract_violation": {
      const entry = book();
      // Well-formed JSON, wrong shape: an unknown status and a non-ISO timestamp.
      sendJson(res, 201, { transfer_id: entry.transfer_id, end_to_end_id: entry.end_to_end_id, status: "SETTLED", status_at: "yesterday" });
      return "handled";
    }
    case "refuse":
      sendJson(res, action.status, { code: action.code, message: "The bank refused this credit transfer." });
      return "handled";
    case "async_settlement": {
      const existing = ledger.get(request.end_to_end_id);
      if (existing) return "continue"; // a resubmission: the de-duplicated original answers
      const dueAt = action.after_ms === undefined ? undefined : new Date(Date.now() + action.after_ms).toISOString();
      const { entry } = ledger.book(request, action.interim, {
        settlement: {
          final: action.final,
          ...(action.reason_code ? { reason_code: action.reason_code } : {}),
          ...(dueAt ? { due_at: dueAt } : {}),
          ...(action.after_inquiries !== undefined ? { inquiries_left: action.after_inquiries } : {}),
        },
      });
      if (action.after_ms !== undefined) scheduleSettlement(ledger, entry);
      sendJson(res, 201, transferView(entry));
      return "handled";
    }
    default:
      return action satisfies never;
  }
}

export async function serveFaultyInquiry(action: FaultAction, endToEndId: string, context: FaultContext): Promise<FaultResult> {
  const { res, ledger, sendJson } = context;
  switch (action.kind) {
    case "latency":
      await sleep(action.ms);
      return "continue";
    case "hang":
      await hangUp(context);
      return "handled";
    case "server_error":
      sendJson(res, action.status, { code: "INTERNAL", message: "Temporary failure, please retry." });
      return "handled";
    case "reset":
      resetConnection(context.req.socket);
      return "handled";
    case "malformed_json":
      sendRaw(res, 200, `{"end_to_end_id":"${endToEndId}","status":`);
      return "handled";
    case "contract_violation": {
      const entry = ledger.get(endToEndId);
      sendJson(res, 200, { end_to_end_id: endToEndId, status: entry ? entry.status.toLowerCase() : "unknown", status_at: 0 });
      return "handled";
    }
    case "refuse":
      sendJson(res, action.status, { code: action.code, message: "The bank refused this inquiry." });
      return "handled";
    case "async_settlement":
      return "continue"; // only meaningful for a submission
    default:
      return action satisfies never;
  }
}

/** Arms the timer of a planned settlement (at booking, or again after a restart; at once if overdue). */
export function scheduleSettlement(ledger: Ledger, entry: LedgerEntry): void {
  const dueAt = entry.settlement?.due_at;
  if (dueAt === undefined) return;
  setTimeout(() => ledger.settle(entry.end_to_end_id), Math.max(0, Date.parse(dueAt) - Date.now())).unref();
}

/** Holds the request open until the client gives up (or MAX_HANG_MS passes), then drops it. */
async function hangUp({ req, res }: FaultContext): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, MAX_HANG_MS);
    timer.unref();
    res.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  req.socket.destroy();
}

/** A TCP RST where the platform allows it (what a crashing load balancer sends), else an abrupt close. */
function resetConnection(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function sendRaw(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
