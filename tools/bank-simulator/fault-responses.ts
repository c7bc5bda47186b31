/**
 * How the simulated bank misbehaves once a fault rule matched a request.
 * Each function either answers (or deliberately fails to) and returns
 * "handled", or returns "continue" so the bank serves the request normally
 * (possibly worded differently: context.style). The wording of every answer
 * is the profile's (answers.ts), so one rule works for JSON and ISO 20022.
 */
import type { BankCreditTransferRequest } from "../../schemas/bank-api.ts";
import { type AnswerStyle, type BankDialect, type SubmissionIds, sendText } from "./answers.ts";
import { type Exchange, hangUp, resetConnection, sendGatewayNotFound, sendServerError, sleep, trickleForever } from "./fault-transport.ts";
import type { FaultAction, FaultBook } from "./faults.ts";
import type { Ledger, LedgerEntry } from "./ledger.ts";

export type FaultResult = "handled" | "continue";

export interface FaultContext extends Exchange {
  ledger: Ledger;
  faults: FaultBook;
  dialect: BankDialect;
  /** Mutable: offset_timestamps changes the wording of the normal answer that follows. */
  style: AnswerStyle;
}

export interface Submission {
  request: BankCreditTransferRequest;
  ids: SubmissionIds;
  iso?: LedgerEntry["iso"];
}

let duplicateRecordSequence = 0;

export async function serveFaultySubmission(action: FaultAction, submission: Submission, context: FaultContext): Promise<FaultResult> {
  const { res, ledger, faults, dialect, style } = context;
  const { request, ids } = submission;
  const book = () => ledger.book(request, "ACSC", submission.iso ? { iso: submission.iso } : {});
  if (isCommonFault(action)) {
    return serveCommonFault(action, context, { status: dialect.successStatus("created"), contentType: dialect.contentType }, book);
  }
  switch (action.kind) {
    case "malformed_json": {
      const { entry } = book();
      dialect.sendTruncated(res, "created", { entry }, request.end_to_end_id);
      return "handled";
    }
    case "contract_violation": {
      const { entry } = book();
      dialect.sendContractViolation(res, "created", { entry }, request.end_to_end_id);
      return "handled";
    }
    case "refuse":
      dialect.sendRefusal(
        res,
        action.status,
        { code: action.code, reason: action.code, message: "The bank refused this credit transfer." },
        ids,
      );
      return "handled";
    case "async_settlement": {
      if (ledger.get(request.end_to_end_id)) return "continue"; // a resubmission: the de-duplicated original answers
      const dueAt = action.after_ms === undefined ? undefined : new Date(Date.now() + action.after_ms).toISOString();
      const { entry } = ledger.book(request, action.interim, {
        settlement: {
          final: action.final,
          ...(action.reason_code ? { reason_code: action.reason_code } : {}),
          ...(dueAt ? { due_at: dueAt } : {}),
          ...(action.after_inquiries !== undefined ? { inquiries_left: action.after_inquiries } : {}),
        },
        ...(submission.iso ? { iso: submission.iso } : {}),
      });
      if (action.after_ms !== undefined) scheduleSettlement(ledger, entry);
      dialect.sendTransfer(res, "created", { entry }, style);
      return "handled";
    }
    case "lagging_replica": {
      if (ledger.get(request.end_to_end_id)) return "continue";
      faults.startLag(request.end_to_end_id, action);
      if (action.answer === "normal") return "continue";
      book();
      if (action.answer === "server_error") sendServerError(res, 503);
      else if (action.answer === "reset") resetConnection(context.req.socket);
      else await hangUp(context);
      return "handled";
    }
    case "duplicate_refusal": {
      // Only repeated submissions reach here (faults.ts appliesTo); booking again just counts the POST.
      const { entry } = book();
      if (action.style === "422") {
        dialect.sendRefusal(res, 422, { code: "DUPLICATE", reason: "DUPL", message: "A transfer with this end_to_end_id exists." }, ids);
      } else {
        const transferId = `DUP${String(++duplicateRecordSequence).padStart(10, "0")}`;
        dialect.sendTransfer(res, "created", { entry, status: "RJCT", reasonCode: "DUPL", transferId, submission: ids }, style);
      }
      return "handled";
    }
    case "contradiction": {
      const { entry } = book();
      dialect.sendTransfer(res, "created", { entry, status: "RJCT", reasonCode: action.reason_code }, style);
      return "handled";
    }
    default:
      return action satisfies never;
  }
}

export async function serveFaultyInquiry(action: FaultAction, endToEndId: string, context: FaultContext): Promise<FaultResult> {
  const { res, ledger, dialect } = context;
  const entry = ledger.get(endToEndId);
  const report = entry ? { entry } : undefined;
  if (isCommonFault(action)) {
    return serveCommonFault(action, context, { status: dialect.successStatus("inquiry"), contentType: dialect.contentType });
  }
  switch (action.kind) {
    case "malformed_json":
      dialect.sendTruncated(res, "inquiry", report, endToEndId);
      return "handled";
    case "contract_violation":
      dialect.sendContractViolation(res, "inquiry", report, endToEndId);
      return "handled";
    case "refuse":
      dialect.sendRefusal(
        res,
        action.status,
        { code: action.code, reason: action.code, message: "The bank refused this inquiry." },
        undefined,
      );
      return "handled";
    case "async_settlement": // only meaningful for a submission
    case "lagging_replica":
    case "duplicate_refusal":
    case "contradiction":
      return "continue";
    default:
      return action satisfies never;
  }
}

/** A statement or notification read: the bodies a broken answer shows are the route's. */
export interface ReadFaultBodies {
  contentType: string;
  truncated: string;
  contractViolation: string;
}

export async function serveFaultyRead(action: FaultAction, context: FaultContext, bodies: ReadFaultBodies): Promise<FaultResult> {
  const { res } = context;
  if (isCommonFault(action)) return serveCommonFault(action, context, { status: 200, contentType: bodies.contentType });
  switch (action.kind) {
    case "malformed_json":
      sendText(res, 200, bodies.contentType, bodies.truncated);
      return "handled";
    case "contract_violation":
      sendText(res, 200, bodies.contentType, bodies.contractViolation);
      return "handled";
    case "refuse":
      res.writeHead(action.status, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: action.code, message: "The bank refused this request." }));
      return "handled";
    case "async_settlement":
    case "lagging_replica":
    case "duplicate_refusal":
    case "contradiction":
      return "continue";
    default:
      return action satisfies never;
  }
}

/** The fault kinds submissions, inquiries and reads meet alike. */
const COMMON_FAULT_KINDS = [
  "latency",
  "hang",
  "server_error",
  "reset",
  "offset_timestamps",
  "stalled_body",
  "not_found_everything",
] as const;
type CommonFault = Extract<FaultAction, { kind: (typeof COMMON_FAULT_KINDS)[number] }>;

function isCommonFault(action: FaultAction): action is CommonFault {
  return (COMMON_FAULT_KINDS as readonly string[]).includes(action.kind);
}

/**
 * The faults every operation acts out alike. `stalled` is the success
 * status and content type of the body that never finishes; `record` books
 * the submitted transfer first when the rule says so (submissions only).
 */
async function serveCommonFault(
  action: CommonFault,
  context: FaultContext,
  stalled: { status: number; contentType: string },
  record?: () => void,
): Promise<FaultResult> {
  const { res, style } = context;
  switch (action.kind) {
    case "latency":
      await sleep(action.ms);
      return "continue";
    case "hang":
      if (action.record) record?.();
      await hangUp(context);
      return "handled";
    case "server_error":
      if (action.record) record?.();
      sendServerError(res, action.status);
      return "handled";
    case "reset":
      if (action.record) record?.();
      resetConnection(context.req.socket);
      return "handled";
    case "offset_timestamps":
      style.offset = action.offset;
      return "continue";
    case "stalled_body":
      if (action.record) record?.();
      await trickleForever(context, stalled.status, stalled.contentType, action.interval_ms);
      return "handled";
    case "not_found_everything":
      sendGatewayNotFound(res);
      return "handled";
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
