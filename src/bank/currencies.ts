/** BANK_CURRENCIES at admission: a currency the bank does not take is refused before anything is sent. */
import type { BankAdmissionProblem } from "./bank-port.ts";

export function currencyProblem(currency: string, accepted: readonly string[]): BankAdmissionProblem | null {
  if (accepted.includes(currency)) return null;
  return {
    code: "currency-not-supported",
    detail: `The bank does not accept payments in ${currency}; it accepts ${accepted.join(", ")}.`,
  };
}
