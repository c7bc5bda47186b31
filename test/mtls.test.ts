import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createMerchant, endToEndId, json, paymentBody, postPayment } from "./support/api.ts";
import { bankRequestsFor, bankStats, bankTransfersOf } from "./support/bank.ts";
import { pointMerchantAtBank } from "./support/recovery.ts";

describe("mutual TLS is real", () => {
  it("the bank refuses the handshake of a client without a certificate", async () => {
    const before = await bankStats();
    await expect(env.BANK_WITHOUT_CERT.fetch(`${env.BANK_URL}/v1/credit-transfers/anything`)).rejects.toThrow();
    const after = await bankStats();
    expect(after.tls_rejections).toBeGreaterThan(before.tls_rejections);
  });

  it("a connector wired without the client certificate gets no payment through: it stays pending, nothing reaches the bank", async () => {
    const merchant = await createMerchant();
    // Rewire this merchant's object to the certificate-less binding, as a
    // misconfigured deployment would be.
    await pointMerchantAtBank(merchant.id, env.BANK_WITHOUT_CERT);
    const response = await postPayment(merchant.api_key, paymentBody());
    expect(response.status).toBe(202);
    const payment = await json(response);
    expect(payment.status).toBe("pending");

    expect(await bankRequestsFor(endToEndId(payment.id))).toEqual([]);
    expect(await bankTransfersOf(merchant.debtor_iban)).toEqual([]);

    const events = await json<{ data: Array<{ to_status: string; detail: { outcome?: string; reason?: string } | null }> }>(
      await call(`/v1/payments/${payment.id}/events`, { headers: { authorization: `Bearer ${merchant.api_key}` } }),
    );
    const last = events.data.at(-1);
    expect(last?.to_status).toBe("pending");
    // workerd surfaces a failed handshake only as an opaque "internal error"
    // (the CertificateRequired alert goes to its own log), so the connector
    // cannot prove the request never left: it must not call it failed, and
    // either keeps it for inquiry ("unknown") or for resending ("not_sent").
    expect(["unknown", "not_sent"]).toContain(last?.detail?.outcome);
    expect(payment.failure).toBeUndefined();
  });
});
