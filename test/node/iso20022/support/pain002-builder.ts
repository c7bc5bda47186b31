/**
 * Builds pain.002 status reports the way a bank writes them, for tests. The
 * elements the versions .03, .10 and .11 share are written in schema order, so
 * a .11 report validates against the ISO XSD.
 */
import { element, renderXmlDocument, type XmlElement } from "../../../../src/bank/iso20022/xml-writer.ts";

export type Pain002Version = "001.03" | "001.10" | "001.11";

interface Reason {
  code?: string;
  proprietary?: string;
  info?: string;
}

interface TransactionSpec {
  endToEndId?: string;
  status?: string;
  reasons?: Reason[];
  acceptedAt?: string;
  accountServicerReference?: string;
}

interface PaymentInformationSpec {
  paymentInformationId: string;
  status?: string;
  reasons?: Reason[];
  transactions?: TransactionSpec[];
}

export interface Pain002Spec {
  version: Pain002Version;
  messageId?: string;
  createdAt?: string;
  originalMessageId: string;
  groupStatus?: string;
  groupReasons?: Reason[];
  blocks?: PaymentInformationSpec[];
  /** Namespace prefix for every element ("" for the default namespace). */
  prefix?: string;
}

export function buildPain002(spec: Pain002Spec): string {
  const p = spec.prefix ? `${spec.prefix}:` : "";
  const e = (name: string, content: string | XmlElement[], attributes: Record<string, string> = {}) =>
    element(p + name, content, attributes);
  const reasons = (list: Reason[] = []) =>
    list.map((reason) =>
      e("StsRsnInf", [
        ...(reason.code !== undefined ? [e("Rsn", [e("Cd", reason.code)])] : []),
        ...(reason.proprietary !== undefined ? [e("Rsn", [e("Prtry", reason.proprietary)])] : []),
        ...(reason.info !== undefined ? [e("AddtlInf", reason.info)] : []),
      ]),
    );
  const optional = (name: string, value: string | undefined) => (value === undefined ? [] : [e(name, value)]);
  const transaction = (tx: TransactionSpec) =>
    e("TxInfAndSts", [
      ...optional("OrgnlEndToEndId", tx.endToEndId),
      ...optional("TxSts", tx.status),
      ...reasons(tx.reasons),
      ...optional("AccptncDtTm", tx.acceptedAt),
      ...optional("AcctSvcrRef", tx.accountServicerReference),
    ]);
  const block = (b: PaymentInformationSpec) =>
    e("OrgnlPmtInfAndSts", [
      e("OrgnlPmtInfId", b.paymentInformationId),
      ...optional("PmtInfSts", b.status),
      ...reasons(b.reasons),
      ...(b.transactions ?? []).map(transaction),
    ]);
  const namespace = `urn:iso:std:iso:20022:tech:xsd:pain.002.${spec.version}`;
  return renderXmlDocument(
    e(
      "Document",
      [
        e("CstmrPmtStsRpt", [
          e("GrpHdr", [e("MsgId", spec.messageId ?? "STATUS-0001"), e("CreDtTm", spec.createdAt ?? "2026-11-23T10:15:30+01:00")]),
          e("OrgnlGrpInfAndSts", [
            e("OrgnlMsgId", spec.originalMessageId),
            e("OrgnlMsgNmId", "pain.001.001.09"),
            ...optional("GrpSts", spec.groupStatus),
            ...reasons(spec.groupReasons),
          ]),
          ...(spec.blocks ?? []).map(block),
        ]),
      ],
      spec.prefix ? { [`xmlns:${spec.prefix}`]: namespace } : { xmlns: namespace },
    ),
  );
}
