/**
 * Bank reason codes in words a merchant can act on. Banks explain a refused,
 * returned or recalled credit transfer with an ISO 20022 external code
 * (ExternalStatusReason1Code in a status report, ExternalReturnReason1Code in
 * a return, the cancellation reason codes in a recall); a merchant reading
 * "AC04" learns nothing. Each sentence says what happened and what to do.
 *
 * The table covers the codes the EPC SEPA Credit Transfer rulebook allows for
 * rejects, returns and recalls (and their answers), plus a few that banks
 * commonly send beside them. The official names are kept for whoever has to
 * look a code up; the sentences are ours. A code not listed here is passed on
 * as received, with a sentence saying so, never guessed at.
 */

/** Where the SCT rulebook uses a code: a reject (before settlement), a return (after), a recall or its answer. */
export type ReasonCodeUse = "reject" | "return" | "recall";

export interface ReasonCodeEntry {
  /** The ISO 20022 external code list's name for the code. */
  isoName: string;
  uses: readonly ReasonCodeUse[];
  /** What happened and what the merchant should do, in plain words. */
  reason: string;
}

export interface ReasonCodeDescription {
  code: string;
  reason: string;
  known: boolean;
}

/** Proprietary codes may be up to 35 characters (ISO 20022 Max35Text); external codes are 4. */
export const MAX_REASON_CODE_LENGTH = 35;
const CODE_SHAPE = /^[A-Z0-9]+$/;

const ENTRIES: ReadonlyArray<readonly [string, ReasonCodeEntry]> = [
  [
    "AC01",
    {
      isoName: "IncorrectAccountNumber",
      uses: ["reject", "return"],
      reason: "The payee's account number (IBAN) is wrong or does not exist. Check the IBAN with the payee and pay again.",
    },
  ],
  [
    "AC03",
    {
      isoName: "InvalidCreditorAccountNumber",
      uses: ["recall"],
      reason:
        "The payment was recalled because it went to the wrong account. Once the money is back, pay again to the IBAN the payee confirms.",
    },
  ],
  [
    "AC04",
    {
      isoName: "ClosedAccountNumber",
      uses: ["return", "recall"],
      reason: "The payee's account is closed. Ask the payee for a current IBAN and pay again.",
    },
  ],
  [
    "AC06",
    {
      isoName: "BlockedAccount",
      uses: ["return"],
      reason:
        "The payee's account is blocked and cannot receive money. Ask the payee for another IBAN, or to unblock the account, and pay again.",
    },
  ],
  [
    "AC13",
    {
      isoName: "InvalidDebtorAccountType",
      uses: ["reject", "return"],
      reason: "Your account cannot be used for this kind of payment. Ask your bank which of your accounts to pay from.",
    },
  ],
  [
    "AG01",
    {
      isoName: "TransactionForbidden",
      uses: ["return"],
      reason:
        "The payee's account does not accept transfers (a savings account, for example). Ask the payee for an account that does and pay again.",
    },
  ],
  [
    "AG02",
    {
      isoName: "InvalidBankOperationCode",
      uses: ["reject", "return"],
      reason:
        "A bank could not process the payment instruction as it was sent. Paying again will fail the same way: contact support with the payment id.",
    },
  ],
  [
    "AM02",
    {
      isoName: "NotAllowedAmount",
      uses: ["reject"],
      reason: "The amount is above what the bank allows for a single payment. Split the payment or ask your bank to raise the limit.",
    },
  ],
  [
    "AM03",
    {
      isoName: "NotAllowedCurrency",
      uses: ["reject"],
      reason:
        "The bank does not accept payments in this currency for this transfer. Pay in a currency it accepts (euro for SEPA transfers).",
    },
  ],
  [
    "AM04",
    {
      isoName: "InsufficientFunds",
      uses: ["reject", "recall"],
      reason:
        "There was not enough money on the account. If your payment was refused, add funds to your account and pay again; if this answers your recall, the payee's account could not cover the refund, so settle it with the payee.",
    },
  ],
  [
    "AM05",
    {
      isoName: "Duplication",
      uses: ["reject", "return"],
      reason:
        "The bank took this for a duplicate of a payment it already had. Check whether the earlier payment went through before paying again.",
    },
  ],
  [
    "AM09",
    {
      isoName: "WrongAmount",
      uses: ["recall"],
      reason: "The payment was recalled because its amount was wrong. Once the money is back, pay the correct amount.",
    },
  ],
  [
    "ARDT",
    {
      isoName: "AlreadyReturnedTransaction",
      uses: ["recall"],
      reason:
        "The payment had already been returned, so the recall found nothing to take back. Look for the earlier return on your account.",
    },
  ],
  [
    "BE04",
    {
      isoName: "MissingCreditorAddress",
      uses: ["return"],
      reason:
        "The payee's bank needs the payee's postal address, which the payment did not carry. Ask the payee for another account or contact support before paying again.",
    },
  ],
  [
    "CNOR",
    {
      isoName: "CreditorBankIsNotRegistered",
      uses: ["reject", "return"],
      reason:
        "The payee's bank cannot be reached through the payment system your bank used. Ask the payee for an account at another bank, or ask your bank how to reach this one.",
    },
  ],
  [
    "CUST",
    {
      isoName: "RequestedByCustomer",
      uses: ["recall"],
      reason:
        "The payment was recalled, or the recall refused, at a customer's request (yours, or the payee's). Agree with the payee what is owed before paying again.",
    },
  ],
  [
    "DNOR",
    {
      isoName: "DebtorBankIsNotRegistered",
      uses: ["reject", "return"],
      reason:
        "Your own bank is not registered with the payment system used for this transfer. Contact your bank; paying again will fail the same way.",
    },
  ],
  [
    "DUPL",
    {
      isoName: "DuplicatePayment",
      uses: ["recall"],
      reason: "The payment was recalled because it duplicated another one. The other payment stands: do not pay again.",
    },
  ],
  [
    "ED05",
    {
      isoName: "SettlementFailed",
      uses: ["reject"],
      reason: "The banks could not settle the payment between them. Pay again; if it keeps failing, contact your bank.",
    },
  ],
  [
    "FF01",
    {
      isoName: "InvalidFileFormat",
      uses: ["reject", "return"],
      reason:
        "A bank could not read the payment instruction; the payee's details are not the cause. Paying again will fail the same way: contact support with the payment id.",
    },
  ],
  [
    "FOCR",
    {
      isoName: "FollowingCancellationRequest",
      uses: ["return"],
      reason: "The money came back because the payment was recalled. If you still owe the payee, pay again with the right details.",
    },
  ],
  [
    "FRAD",
    {
      isoName: "FraudulentOrigin",
      uses: ["recall"],
      reason:
        "The payment was recalled as fraudulent. Do not pay again; contact your bank and check who can use your account and your API keys.",
    },
  ],
  [
    "LEGL",
    {
      isoName: "LegalDecision",
      uses: ["recall"],
      reason: "The payee's bank refused the recall for legal reasons. Contact your bank about what can still be done.",
    },
  ],
  [
    "MD07",
    {
      isoName: "EndCustomerDeceased",
      uses: ["return"],
      reason: "The holder of the payee's account has died. Do not pay this account again; settle the payment with the payee's estate.",
    },
  ],
  [
    "MS02",
    {
      isoName: "NotSpecifiedReasonCustomerGenerated",
      uses: ["reject", "return"],
      reason: "The payee refused the payment without giving a reason. Contact the payee before paying again.",
    },
  ],
  [
    "MS03",
    {
      isoName: "NotSpecifiedReasonAgentGenerated",
      uses: ["reject", "return"],
      reason: "A bank refused the payment without giving a reason. Check the payee's details and ask your bank before paying again.",
    },
  ],
  [
    "NOAS",
    {
      isoName: "NoAnswerFromCustomer",
      uses: ["recall"],
      reason: "The payee did not answer the recall, so the money was not returned. Settle it with the payee directly.",
    },
  ],
  [
    "NOOR",
    {
      isoName: "NoOriginalTransactionReceived",
      uses: ["recall"],
      reason: "The payee's bank never received the payment the recall refers to. Ask your bank whether the payment left your account.",
    },
  ],
  [
    "RC01",
    {
      isoName: "BankIdentifierIncorrect",
      uses: ["reject", "return"],
      reason: "The payee's bank code (BIC) is wrong. Check the payee's bank details with the payee and pay again.",
    },
  ],
  [
    "RR01",
    {
      isoName: "MissingDebtorAccountOrIdentification",
      uses: ["reject", "return"],
      reason:
        "For regulatory checks a bank needs your account details or identification, which were missing. Contact your bank, then pay again.",
    },
  ],
  [
    "RR02",
    {
      isoName: "MissingDebtorNameOrAddress",
      uses: ["reject", "return"],
      reason:
        "For regulatory checks a bank needs your name and address, which were missing or incomplete. Contact your bank, then pay again.",
    },
  ],
  [
    "RR03",
    {
      isoName: "MissingCreditorNameOrAddress",
      uses: ["reject", "return"],
      reason:
        "For regulatory checks a bank needs the payee's full name and address, which were missing or incomplete. Check the payee's name with the payee and ask your bank before paying again.",
    },
  ],
  [
    "RR04",
    {
      isoName: "RegulatoryReason",
      uses: ["reject", "return"],
      reason:
        "A bank stopped the payment for regulatory reasons (sanctions screening, for example), which it usually may not explain. Contact your bank before paying again.",
    },
  ],
  [
    "TECH",
    {
      isoName: "TechnicalProblem",
      uses: ["recall"],
      reason: "The payment was recalled because a technical problem made it wrong. Once the money is back, pay again if it is still due.",
    },
  ],
  [
    "TM01",
    {
      isoName: "InvalidCutOffTime",
      uses: ["reject"],
      reason:
        "The payment reached the bank after its cut-off time and was not processed. Pay again; it will go in the next processing window.",
    },
  ],
];

/** Every code this connector can explain, with its entry. */
export const REASON_CODES: ReadonlyMap<string, ReasonCodeEntry> = new Map(ENTRIES);

/**
 * Explains a bank reason code. Lookup ignores case and surrounding spaces. An
 * unknown code is returned as received; one that does not even look like a
 * code (it came from the bank, so it is not trusted) is not repeated in the
 * sentence.
 */
export function describeReasonCode(code: string): ReasonCodeDescription {
  const trimmed = code.trim();
  const normalized = trimmed.toUpperCase();
  const entry = REASON_CODES.get(normalized);
  if (entry) return { code: normalized, reason: entry.reason, known: true };
  if (trimmed === "") return { code: "", reason: "The bank gave no reason code; ask your bank why.", known: false };
  if (normalized.length <= MAX_REASON_CODE_LENGTH && CODE_SHAPE.test(normalized)) {
    return {
      code: trimmed,
      reason: `The bank gave reason code ${trimmed}, which this connector does not know; ask your bank what it means.`,
      known: false,
    };
  }
  return {
    // Kept short and printable: it ends up in API answers and logs.
    code: trimmed.replace(/[^\x20-\x7e]/g, "?").slice(0, MAX_REASON_CODE_LENGTH),
    reason: "The bank gave a reason code this connector cannot read; ask your bank what it means.",
    known: false,
  };
}
