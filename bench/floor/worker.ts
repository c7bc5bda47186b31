/**
 * The benchmark's floor: the least a payment can cost on workerd. A Worker
 * routes POST /v1/payments to one SQLite-backed Durable Object per merchant
 * (X-Merchant-Id), which inserts one row, calls the bank's JSON
 * credit-transfer endpoint through its BANK Fetcher (the same mTLS client
 * certificate as the connector's), updates the row with the answer and
 * replies. Nothing else: no authentication, validation, idempotency, events
 * or logging, so the connector's figures divided by these are what the
 * connector's own code costs on top of the runtime. The two writes commit
 * separately, as the connector's admission and outcome do: workerd's output
 * gate holds the bank call until the insert is durable, and the reply until
 * the update is.
 */
import { DurableObject } from "cloudflare:workers";

interface FloorEnv {
  FLOOR: DurableObjectNamespace<FloorAccount>;
  BANK: Fetcher;
  BANK_URL: string;
}

/** What the bench sends: the connector's payment body plus the debtor IBAN (the floor keeps no merchant record). */
interface FloorPayment {
  debtor_iban: string;
  amount: number;
  currency: string;
  creditor: { name: string; iban: string };
  reference: string;
}

interface FloorReply {
  status: number;
  body: string;
}

/** Bank answers that mean "booked" (201) or "already booked" (200). */
const BOOKED_STATUSES = new Set([200, 201]);

export class FloorAccount extends DurableObject<FloorEnv> {
  constructor(ctx: DurableObjectState, env: FloorEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS payments (
      id TEXT PRIMARY KEY, amount INTEGER NOT NULL, currency TEXT NOT NULL, status TEXT NOT NULL,
      bank_status TEXT, bank_transfer_id TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`);
  }

  async pay(body: string): Promise<FloorReply> {
    const payment = JSON.parse(body) as FloorPayment;
    // 32 hex characters: a valid end-to-end id (at most 35, [A-Za-z0-9-_.]).
    const id = crypto.randomUUID().replaceAll("-", "");
    const createdAt = Date.now();
    this.ctx.storage.sql.exec(
      `INSERT INTO payments (id, amount, currency, status, created_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?)`,
      id,
      payment.amount,
      payment.currency,
      createdAt,
      createdAt,
    );
    const response = await this.env.BANK.fetch(`${this.env.BANK_URL}/v1/credit-transfers`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        end_to_end_id: id,
        debtor_iban: payment.debtor_iban,
        creditor: payment.creditor,
        amount: { value: payment.amount, currency: payment.currency },
        remittance_information: payment.reference,
      }),
    });
    const answer = (await response.json()) as { transfer_id?: string; status?: string };
    const booked = BOOKED_STATUSES.has(response.status);
    const status = booked ? "succeeded" : "failed";
    this.ctx.storage.sql.exec(
      `UPDATE payments SET status = ?, bank_status = ?, bank_transfer_id = ?, updated_at = ? WHERE id = ?`,
      status,
      answer.status ?? null,
      answer.transfer_id ?? null,
      Date.now(),
      id,
    );
    return {
      status: booked ? 201 : 502,
      body: JSON.stringify({ id, status, bank: { transfer_id: answer.transfer_id ?? null, status: answer.status ?? null } }),
    };
  }
}

export default {
  async fetch(request, env) {
    const merchantId = request.headers.get("x-merchant-id");
    if (request.method !== "POST" || new URL(request.url).pathname !== "/v1/payments" || !merchantId) {
      return new Response("POST /v1/payments with X-Merchant-Id only\n", { status: 404 });
    }
    const body = await request.text();
    try {
      const reply = await env.FLOOR.get(env.FLOOR.idFromName(merchantId)).pay(body);
      return new Response(reply.body, { status: reply.status, headers: { "content-type": "application/json" } });
    } catch (error) {
      return new Response(JSON.stringify({ error: String(error) }), { status: 502, headers: { "content-type": "application/json" } });
    }
  },
} satisfies ExportedHandler<FloorEnv>;
