/**
 * Submissions and status inquiries, the same for both profiles once the
 * request is understood: fault rules first, then the ledger, then the answer
 * in the profile's wording (answers.ts).
 */
import type { RequestLogEntry } from "./control-plane.ts";
import { type FaultContext, type Submission, serveFaultyInquiry, serveFaultySubmission } from "./fault-responses.ts";
import type { StatementDesk } from "./statements.ts";

export interface DeskContext extends FaultContext {
  statements: StatementDesk;
  currencies: ReadonlySet<string>;
  log: RequestLogEntry;
}

export async function serveSubmission(submission: Submission, context: DeskContext): Promise<void> {
  const { res, ledger, faults, dialect, statements, log } = context;
  const { request, ids } = submission;
  log.end_to_end_id = request.end_to_end_id;
  log.debtor_iban = request.debtor_iban;
  faults.rememberDebtor(request.end_to_end_id, request.debtor_iban);
  context.style.offset ??= statements.timestampOffsetFor(request.debtor_iban);
  const fault = faults.take({
    operation: "submit",
    endToEndId: request.end_to_end_id,
    debtorIban: request.debtor_iban,
    repeated: ledger.get(request.end_to_end_id) !== undefined,
  });
  if (fault) {
    log.fault = fault.kind;
    if ((await serveFaultySubmission(fault, submission, context)) === "handled") return;
  }
  if (!context.currencies.has(request.amount.currency)) {
    const message = `This bank does not book ${request.amount.currency}.`;
    return dialect.sendRefusal(res, 422, { code: "CURRENCY_NOT_SUPPORTED", reason: "AM03", message }, ids);
  }
  const { entry, duplicate } = ledger.book(request, statements.bookingStatusFor(request.debtor_iban), {
    bookedAt: statements.bookingTimeFor(request.debtor_iban),
    ...(submission.iso ? { iso: submission.iso } : {}),
  });
  dialect.sendTransfer(res, duplicate ? "repeated" : "created", { entry }, context.style);
}

export async function serveInquiry(endToEndId: string, context: DeskContext): Promise<void> {
  const { res, ledger, faults, dialect, statements, log } = context;
  log.end_to_end_id = endToEndId;
  ledger.noteInquiry(endToEndId);
  const debtor = ledger.get(endToEndId)?.debtor_iban ?? faults.debtorOfTransfer(endToEndId);
  if (debtor !== undefined) context.style.offset ??= statements.timestampOffsetFor(debtor);
  const fault = faults.take({ operation: "inquiry", endToEndId, debtorIban: undefined });
  if (fault) {
    log.fault = fault.kind;
    if ((await serveFaultyInquiry(fault, endToEndId, context)) === "handled") return;
  }
  // A lagging read replica has not seen the booking yet.
  if (faults.lagging(endToEndId)) return dialect.sendNotFound(res);
  const booked = ledger.get(endToEndId);
  if (!booked) return dialect.sendNotFound(res);
  dialect.sendTransfer(res, "inquiry", { entry: booked }, context.style);
}
