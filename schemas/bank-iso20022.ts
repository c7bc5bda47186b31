/**
 * ISO 20022 bank messages as fast-xml-parser leaves them (src/bank/iso20022/
 * xml-document.ts): every value text, namespace prefixes removed, attributes
 * as `@_Name` beside the text in `#text`, and the elements the codec reads
 * that may repeat always arrays. Each schema names only what the codec reads,
 * by the element names the versions share (pain.002.001.03/.10/.11,
 * camt.053/054.001.02/.04/.08), and lets the rest through unread.
 *
 * A tree that fails these schemas is an answer the connector cannot trust: an
 * unknown outcome for a status report, a refused import for a statement file.
 */
import { z } from "zod";

const text = (maxLength: number) => z.string().min(1).max(maxLength);
const Max35Text = text(35);
/** ISO external code lists (status, reason, bank transaction codes): 1 to 4 characters. */
const ExternalCode = z.string().regex(/^[A-Z0-9]{1,4}$/);
const IsoDateTimeText = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$/);
const IsoDateText = z.string().regex(/^\d{4}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$/);
/** ActiveOrHistoricCurrencyAndAmount: totalDigits 18, no sign. */
const AmountText = z.string().regex(/^\d{1,18}(\.\d{1,17})?$/);
const CurrencyCodeText = z.string().regex(/^[A-Z]{3}$/);
const IbanText = z.string().regex(/^[A-Z]{2}[0-9]{2}[A-Za-z0-9]{1,30}$/);
const YesNoIndicator = z.enum(["true", "false", "1", "0"]);

/**
 * An element whose children are all optional may be written empty
 * (`<Refs/>`), which the parser leaves as "": read it as an empty object.
 */
function container<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.preprocess((value) => (value === "" ? {} : value), z.object(shape));
}

export const Iso20022Amount = z.object({ "#text": AmountText, "@_Ccy": CurrencyCodeText });
export type Iso20022Amount = z.infer<typeof Iso20022Amount>;

// ---------------------------------------------------------------- pain.002

const StatusReasonInformation = container({
  Rsn: container({ Cd: ExternalCode.optional(), Prtry: Max35Text.optional() }).optional(),
});

export const Pain002TransactionStatus = z.object({
  OrgnlEndToEndId: Max35Text.optional(),
  TxSts: ExternalCode.optional(),
  StsRsnInf: z.array(StatusReasonInformation).optional(),
  AccptncDtTm: IsoDateTimeText.optional(),
  AcctSvcrRef: Max35Text.optional(),
});
export type Pain002TransactionStatus = z.infer<typeof Pain002TransactionStatus>;

export const Pain002PaymentInformationStatus = z.object({
  OrgnlPmtInfId: Max35Text,
  PmtInfSts: ExternalCode.optional(),
  StsRsnInf: z.array(StatusReasonInformation).optional(),
  TxInfAndSts: z.array(Pain002TransactionStatus).optional(),
});
export type Pain002PaymentInformationStatus = z.infer<typeof Pain002PaymentInformationStatus>;

/** The content of a pain.002 `Document` (CustomerPaymentStatusReport V03, V10, V11). */
export const Pain002Document = z.object({
  CstmrPmtStsRpt: z.object({
    GrpHdr: z.object({ MsgId: Max35Text, CreDtTm: IsoDateTimeText }),
    OrgnlGrpInfAndSts: z.object({
      OrgnlMsgId: Max35Text,
      OrgnlMsgNmId: Max35Text,
      GrpSts: ExternalCode.optional(),
      StsRsnInf: z.array(StatusReasonInformation).optional(),
    }),
    OrgnlPmtInfAndSts: z.array(Pain002PaymentInformationStatus).optional(),
  }),
});
export type Pain002Document = z.infer<typeof Pain002Document>;

// ---------------------------------------------------------------- camt.053 / camt.054

const DateAndDateTime = z
  .object({ Dt: IsoDateText.optional(), DtTm: IsoDateTimeText.optional() })
  .refine((value) => (value.Dt === undefined) !== (value.DtTm === undefined), { error: "exactly one of Dt and DtTm" });

const BankTransactionCode = container({
  Domn: z.object({ Cd: ExternalCode, Fmly: z.object({ Cd: ExternalCode, SubFmlyCd: ExternalCode }) }).optional(),
  Prtry: z.object({ Cd: Max35Text, Issr: Max35Text.optional() }).optional(),
});
export type CamtBankTransactionCode = z.infer<typeof BankTransactionCode>;

const AmountDetails = container({
  InstdAmt: z.object({ Amt: Iso20022Amount }).optional(),
  TxAmt: z.object({ Amt: Iso20022Amount }).optional(),
});

const CreditDebit = z.enum(["CRDT", "DBIT"]);

export const CamtTransactionDetails = container({
  Refs: container({ AcctSvcrRef: Max35Text.optional(), EndToEndId: Max35Text.optional() }).optional(),
  // Amt and CdtDbtInd exist from version .03 on; .02 has only AmtDtls.
  Amt: Iso20022Amount.optional(),
  CdtDbtInd: CreditDebit.optional(),
  AmtDtls: AmountDetails.optional(),
  BkTxCd: BankTransactionCode.optional(),
  RtrInf: container({ Rsn: container({ Cd: ExternalCode.optional(), Prtry: Max35Text.optional() }).optional() }).optional(),
});
export type CamtTransactionDetails = z.infer<typeof CamtTransactionDetails>;

export const CamtEntry = z.object({
  NtryRef: Max35Text.optional(),
  Amt: Iso20022Amount,
  CdtDbtInd: CreditDebit,
  RvslInd: YesNoIndicator.optional(),
  // Plain text (EntryStatus2Code) in .02 and .04, a choice of Cd or Prtry in .08.
  Sts: z.union([ExternalCode, z.object({ Cd: ExternalCode }), z.object({ Prtry: Max35Text })]),
  BookgDt: DateAndDateTime.optional(),
  AcctSvcrRef: Max35Text.optional(),
  BkTxCd: BankTransactionCode.optional(),
  AmtDtls: AmountDetails.optional(),
  NtryDtls: z.array(container({ TxDtls: z.array(CamtTransactionDetails).optional() })).optional(),
});
export type CamtEntry = z.infer<typeof CamtEntry>;

const Pagination = z.object({ PgNb: z.string().regex(/^\d{1,5}$/), LastPgInd: YesNoIndicator });
export type CamtPagination = z.infer<typeof Pagination>;

const Account = z.object({
  Id: z.object({ IBAN: IbanText.optional(), Othr: z.object({ Id: text(34) }).optional() }),
  Ccy: CurrencyCodeText.optional(),
});

const reportShape = {
  Id: Max35Text,
  FrToDt: z.object({ FrDtTm: IsoDateTimeText, ToDtTm: IsoDateTimeText }).optional(),
  Acct: Account,
  Ntry: z.array(CamtEntry).optional(),
};

const GroupHeader = z.object({ MsgId: Max35Text, CreDtTm: IsoDateTimeText, MsgPgntn: Pagination.optional() });

/** The content of a camt.053 `Document` (BankToCustomerStatement V02, V04, V08). */
export const Camt053Document = z.object({
  BkToCstmrStmt: z.object({
    GrpHdr: GroupHeader,
    Stmt: z.array(z.object({ ...reportShape, StmtPgntn: Pagination.optional() })).min(1),
  }),
});
export type Camt053Document = z.infer<typeof Camt053Document>;

/** The content of a camt.054 `Document` (BankToCustomerDebitCreditNotification V02, V04, V08). */
export const Camt054Document = z.object({
  BkToCstmrDbtCdtNtfctn: z.object({
    GrpHdr: GroupHeader,
    Ntfctn: z.array(z.object({ ...reportShape, NtfctnPgntn: Pagination.optional() })).min(1),
  }),
});
export type Camt054Document = z.infer<typeof Camt054Document>;
