/**
 * How the bank words its answers about credit transfers, per profile: the
 * JSON API (/v1) and ISO 20022 (/iso20022, iso/pain002-answers.ts) answer
 * the same events, from the same ledger, with the same fault rules; only
 * the wording differs. Fault responses and the transfer desk speak through
 * this interface and never know which profile they serve.
 */
import type { ServerResponse } from "node:http";
import type { BankStatusCode } from "../../schemas/bank-api.ts";
import { sendJson } from "../node-http.ts";
import type { LedgerEntry } from "./ledger.ts";
import { renderInstant } from "./timestamps.ts";

export type BankProfile = "json" | "iso20022";

/** Per-request wording choices: the UTC offset of the timestamps sent (undefined: "Z"). */
export interface AnswerStyle {
  offset: string | undefined;
}

/** What the answer is about: a fresh booking, a repeated submission, or a status inquiry. */
type AnswerOccasion = "created" | "repeated" | "inquiry";

/** Identifiers of the submission being answered (ISO: its pain.001's MsgId and PmtInfId). */
export interface SubmissionIds {
  endToEndId: string;
  msgId?: string;
  pmtInfId?: string;
}

/** A transfer's status as reported; the overrides let a misbehaving bank say something the ledger does not. */
export interface TransferReport {
  entry: LedgerEntry;
  status?: BankStatusCode;
  reasonCode?: string;
  /** Another reference than the booked transfer's (a refused duplicate's own record). */
  transferId?: string;
  /** Answering another submission than the one that booked the entry. */
  submission?: SubmissionIds;
}

interface Refusal {
  /** JSON profile: the error code. */
  code: string;
  /** ISO 20022 profile: the status reason code of the RJCT. */
  reason: string;
  message: string;
}

export interface BankDialect {
  readonly profile: BankProfile;
  readonly contentType: string;
  /** HTTP status of a successful answer. */
  successStatus(occasion: AnswerOccasion): number;
  sendTransfer(res: ServerResponse, occasion: AnswerOccasion, report: TransferReport, style: AnswerStyle): void;
  sendRefusal(res: ServerResponse, status: 400 | 409 | 422, refusal: Refusal, submission: SubmissionIds | undefined): void;
  /** The bank's own "no such transfer". */
  sendNotFound(res: ServerResponse): void;
  /** A success status with a body cut off mid-way. */
  sendTruncated(res: ServerResponse, occasion: AnswerOccasion, report: TransferReport | undefined, endToEndId: string): void;
  /** A well-formed body that breaks the contract (unknown status, bad timestamp). */
  sendContractViolation(res: ServerResponse, occasion: AnswerOccasion, report: TransferReport | undefined, endToEndId: string): void;
}

/** The JSON body of a transfer (schemas/bank-api.ts BankTransfer), timestamps in the requested offset. */
function transferBody(report: TransferReport, style: AnswerStyle): Record<string, unknown> {
  const { entry } = report;
  const status = report.status ?? entry.status;
  const reasonCode = report.status !== undefined ? report.reasonCode : (report.reasonCode ?? entry.reason_code);
  return {
    transfer_id: report.transferId ?? entry.transfer_id,
    end_to_end_id: entry.end_to_end_id,
    status,
    ...(reasonCode ? { reason_code: reasonCode } : {}),
    status_at: renderInstant(report.status !== undefined ? new Date().toISOString() : entry.status_at, style.offset),
    ...(report.transferId === undefined ? { booked_at: renderInstant(entry.booked_at, style.offset) } : {}),
  };
}

export const jsonDialect: BankDialect = {
  profile: "json",
  contentType: "application/json",
  successStatus: (occasion) => (occasion === "created" ? 201 : 200),
  sendTransfer(res, occasion, report, style) {
    sendJson(res, this.successStatus(occasion), transferBody(report, style));
  },
  sendRefusal(res, status, refusal) {
    sendJson(res, status, { code: refusal.code, message: refusal.message });
  },
  sendNotFound(res) {
    sendJson(res, 404, { code: "NOT_FOUND", message: "No such transfer." });
  },
  sendTruncated(res, occasion, report, endToEndId) {
    const text = report
      ? `{"transfer_id":"${report.entry.transfer_id}","end_to_end_id":"${endToEndId}","status":"AC`
      : `{"end_to_end_id":"${endToEndId}","status":`;
    sendText(res, this.successStatus(occasion), this.contentType, text);
  },
  sendContractViolation(res, occasion, report, endToEndId) {
    // Well-formed JSON, wrong shape: an unknown status and a timestamp that is not one.
    const body =
      occasion === "inquiry"
        ? { end_to_end_id: endToEndId, status: report ? report.entry.status.toLowerCase() : "unknown", status_at: 0 }
        : { transfer_id: report?.entry.transfer_id, end_to_end_id: endToEndId, status: "SETTLED", status_at: "yesterday" };
    sendJson(res, this.successStatus(occasion), body);
  },
};

export function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
  res.end(text);
}
