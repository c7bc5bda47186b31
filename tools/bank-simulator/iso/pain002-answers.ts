/**
 * The ISO 20022 profile's wording of transfer answers (answers.ts): a
 * pain.002 status report for every answer about a transfer, 200 for every
 * report, 400/422 with a RJCT report for a refusal.
 */
import { sendJson } from "../../node-http.ts";
import { type BankDialect, sendText, type TransferReport } from "../answers.ts";
import { renderInstant } from "../timestamps.ts";
import { type Pain002Version, renderStatusReport, type StatusReport } from "./pain002.ts";
import type { IsoSettings } from "./settings.ts";
import { XML_CONTENT_TYPE } from "./xml.ts";

/** OrgnlMsgId when a refused document did not even yield one (the element is mandatory). */
const UNKNOWN_MESSAGE_ID = "NOTPROVIDED";

let reportSequence = 0;

export function nextMessageId(prefix: string): string {
  reportSequence++;
  return `${prefix}${Date.now().toString(36).toUpperCase()}${String(reportSequence).padStart(8, "0")}`;
}

export function isoDialect(settings: IsoSettings): BankDialect {
  const version: Pain002Version = settings.pain002;
  const send = (res: Parameters<BankDialect["sendNotFound"]>[0], status: number, report: StatusReport) =>
    sendText(res, status, XML_CONTENT_TYPE, renderStatusReport(report));

  function reportOf(report: TransferReport, offset: string | undefined): StatusReport {
    const { entry } = report;
    const status = report.status ?? entry.status;
    const reasonCode = report.status !== undefined ? report.reasonCode : (report.reasonCode ?? entry.reason_code);
    const accepted = settings.acceptance_time && status !== "RJCT" && report.transferId === undefined;
    return {
      version,
      msgId: nextMessageId("STS"),
      createdAt: renderInstant(new Date().toISOString(), offset),
      originalMsgId: report.submission?.msgId ?? entry.iso?.msg_id ?? entry.end_to_end_id,
      transaction: {
        pmtInfId: report.submission?.pmtInfId ?? entry.iso?.pmt_inf_id ?? entry.end_to_end_id,
        endToEndId: entry.end_to_end_id,
        status,
        ...(reasonCode ? { reasonCode } : {}),
        ...(accepted ? { acceptedAt: renderInstant(entry.booked_at, offset) } : {}),
        accountServicerRef: report.transferId ?? entry.transfer_id,
      },
    };
  }

  return {
    profile: "iso20022",
    contentType: XML_CONTENT_TYPE,
    successStatus: () => 200,
    sendTransfer(res, _occasion, report, style) {
      send(res, 200, reportOf(report, style.offset));
    },
    sendRefusal(res, status, refusal, submission) {
      send(res, status, {
        version,
        msgId: nextMessageId("STS"),
        createdAt: new Date().toISOString(),
        originalMsgId: submission?.msgId ?? UNKNOWN_MESSAGE_ID,
        group: { status: "RJCT", reasonCode: refusal.reason, info: refusal.message },
        ...(submission
          ? {
              transaction: {
                pmtInfId: submission.pmtInfId ?? submission.endToEndId,
                endToEndId: submission.endToEndId,
                status: "RJCT",
                reasonCode: refusal.reason,
              },
            }
          : {}),
      });
    },
    sendNotFound(res) {
      sendJson(res, 404, { code: "NOT_FOUND", message: "No such payment." });
    },
    sendTruncated(res, _occasion, report, endToEndId) {
      const whole = report
        ? renderStatusReport(reportOf(report, undefined))
        : renderStatusReport({ version, msgId: nextMessageId("STS"), createdAt: new Date().toISOString(), originalMsgId: endToEndId });
      sendText(res, 200, XML_CONTENT_TYPE, whole.slice(0, Math.floor(whole.length / 2)));
    },
    sendContractViolation(res, _occasion, report, endToEndId) {
      // Well-formed XML, wrong content: a status outside the code list and an acceptance time that is not one.
      send(res, 200, {
        version,
        msgId: nextMessageId("STS"),
        createdAt: new Date().toISOString(),
        originalMsgId: report?.entry.iso?.msg_id ?? endToEndId,
        transaction: {
          pmtInfId: report?.entry.iso?.pmt_inf_id ?? endToEndId,
          endToEndId,
          status: "DONE",
          acceptedAt: "yesterday",
          ...(report ? { accountServicerRef: report.entry.transfer_id } : {}),
        },
      });
    },
  };
}
