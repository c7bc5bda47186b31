export {
  type CancelPaymentResult,
  type ConnectorClient,
  type ConnectorClientOptions,
  type CreatePaymentRequest,
  type CreatePaymentResult,
  createConnectorClient,
  type Payment,
  type Problem,
} from "./client.ts";
export { checkedIdempotencyKey, newIdempotencyKey } from "./idempotency.ts";
export { allItems, type Page } from "./pages.ts";
export { DEFAULT_RETRY_POLICY, isSafeToRetry, RETRYABLE_STATUSES, type RetryClock, type RetryPolicy, retryingFetch } from "./retry.ts";
export type { components, operations, paths } from "./schema.d.ts";
