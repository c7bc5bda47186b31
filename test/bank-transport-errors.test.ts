/**
 * What workerd's fetch really throws when the bank cannot be talked to, and
 * how the bank client classifies it. A wrong "not_sent" could pay twice, so
 * every transport failure must come out "unknown" (src/bank/bank-call.ts). If a
 * workerd upgrade changes these errors, this file says so first.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BankTransfer } from "../schemas/bank-api.ts";
import { classifyTransportError } from "../src/bank/bank-call.ts";
import type { BankPort } from "../src/bank/bank-port.ts";
import { uniqueIban } from "./support/api.ts";
import { bankTransfer, boundBank } from "./support/bank.ts";
import { preparedTransfer, TEST_BANK_TIMEOUT_MS, testBank } from "./support/bank-adapters.ts";
import { addFault } from "./support/faults.ts";

function client(fetcher: Fetcher, timeoutMs = TEST_BANK_TIMEOUT_MS): BankPort {
  return testBank(fetcher, { timeoutMs });
}

async function thrownBy(fetcher: Fetcher, init: RequestInit = {}): Promise<unknown> {
  try {
    await fetcher.fetch(`${env.BANK_URL}/v1/credit-transfers/NO-SUCH-ID`, init);
  } catch (error) {
    return error;
  }
  throw new Error("expected fetch to throw");
}

describe("transport errors from workerd's fetch", () => {
  it("connection refused: a generic 'Network connection lost.', classified unknown", async () => {
    const error = await thrownBy(env.BANK_UNREACHABLE);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("Network connection lost.");
    expect(classifyTransportError(error)).toMatchObject({ kind: "unknown" });
  });

  it("TLS handshake refused by the bank (no client certificate): an opaque internal error, classified unknown", async () => {
    const error = await thrownBy(env.BANK_WITHOUT_CERT);
    expect((error as Error).message).toMatch(/^internal error; reference = /);
    expect(classifyTransportError(error)).toMatchObject({ kind: "unknown" });
  });

  it("reset after the bank booked the transfer: the same error as a refused connection", async () => {
    const debtor = uniqueIban();
    const endToEndId = `RST${Date.now()}`;
    await addFault({ match: { debtor_iban: debtor }, action: { kind: "reset", record: true }, times: 1 });
    const bank = client(boundBank());
    const call = await bank.submitCreditTransfer(preparedTransfer(bank, debtor, endToEndId));
    expect(call.outcome).toEqual({ kind: "unknown", reason: "network error: Error: Network connection lost." });
    // ...while the bank did book it: this is why refusal cannot be told apart and must not be "not sent".
    expect(await bankTransfer(endToEndId)).toMatchObject({ status: "ACSC" });
  });

  it("timeout: a TimeoutError, classified unknown", async () => {
    const debtor = uniqueIban();
    await addFault({ match: { debtor_iban: debtor }, action: { kind: "hang", record: false }, times: 1 });
    const bank = client(boundBank(), 300);
    const call = await bank.submitCreditTransfer(preparedTransfer(bank, debtor, `HNG${Date.now()}`));
    expect(call).toMatchObject({ httpStatus: null, outcome: { kind: "unknown", reason: "bank call timed out" } });
  });

  it("no thrown value is ever classified 'not sent'", () => {
    for (const error of [
      new Error("Network connection lost."),
      new Error("connect ECONNREFUSED 127.0.0.1:8443"),
      new Error("TLS handshake failed"),
      new DOMException("The operation was aborted due to timeout", "TimeoutError"),
      "a string",
      undefined,
    ]) {
      expect(classifyTransportError(error).kind).toBe("unknown");
    }
  });
});

describe("redirects from the bank", () => {
  /** A bank that answers every request with a redirect, and records what the client asked of fetch. */
  function redirectingBank(status: number, seen: RequestInit[]): Fetcher {
    return {
      fetch: async (_url: string, init: RequestInit) => {
        seen.push(init);
        return new Response(null, { status, headers: { location: "https://elsewhere.example/v1/credit-transfers/x" } });
      },
      connect: () => {
        throw new Error("unused");
      },
    } as unknown as Fetcher;
  }

  it("are never followed, and a 3xx is an unknown outcome (not 'refused', not 'not found')", async () => {
    for (const status of [301, 302, 307, 308]) {
      const seen: RequestInit[] = [];
      const bank = client(redirectingBank(status, seen));
      const submit = await bank.submitCreditTransfer(preparedTransfer(bank, uniqueIban(), `REDIR${status}`));
      expect(submit.outcome.kind, `submit ${status}`).toBe("unknown");
      const inquiry = await bank.inquireCreditTransfer(`REDIR${status}`);
      expect(inquiry.outcome.kind, `inquiry ${status}`).toBe("unknown");
      const statement = await bank.fetchStatementPage({ debtorIban: uniqueIban(), date: "2026-11-23", cursor: null });
      expect(statement.outcome.kind, `statement ${status}`).toBe("failed");
      expect(seen.map((init) => init.redirect)).toEqual(["manual", "manual", "manual"]);
    }
  });
});

describe("optional fields of a bank answer", () => {
  it("keep a booked_at with an offset, and drop a malformed one without failing the answer", () => {
    const answer = { transfer_id: "T1", end_to_end_id: "E2E1", status: "ACSC", status_at: "2026-11-29T10:00:00Z" };
    expect(BankTransfer.parse({ ...answer, booked_at: "2026-11-29T23:59:59+01:00" }).booked_at).toBe("2026-11-29T23:59:59+01:00");
    const parsed = BankTransfer.safeParse({ ...answer, booked_at: "yesterday" });
    expect(parsed.success).toBe(true);
    expect(parsed.data?.booked_at).toBeUndefined();
    expect(BankTransfer.safeParse({ ...answer, status_at: "yesterday" }).success).toBe(false);
  });
});
