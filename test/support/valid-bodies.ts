/** A body each body-taking operation accepts, so a probe that changes one thing reaches the check it aims at. */
import { paymentBody, uniqueIban } from "./api.ts";
import { HOOK_HOST, uniqueHookPath } from "./webhooks.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

export const VALID_BODIES: Record<string, () => unknown> = {
  createPayment: () => paymentBody(),
  reconcile: () => ({ date: new Date(Date.now() - DAY_MS).toISOString().slice(0, 10) }),
  createWebhookEndpoint: () => ({ url: HOOK_HOST + uniqueHookPath() }),
  rotateWebhookSecret: () => ({}),
  createMerchant: () => ({ name: "Probe Shop GmbH", debtor_iban: uniqueIban() }),
  updateMerchant: () => ({ status: "active" }),
};
