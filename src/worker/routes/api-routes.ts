/**
 * Every route the Worker serves, each with the OpenAPI operation it declares:
 * the Hono app is registered from this list (src/worker/index.ts) and the
 * document is built from it, so nothing is served undescribed. The order is
 * the document's.
 */
import type { RouteDefinition } from "../openapi/define-route.ts";
import { adminRoutes } from "./admin.ts";
import { adminMerchantListRoutes } from "./admin-merchant-list.ts";
import { adminMerchantRoutes } from "./admin-merchants.ts";
import { adminPaymentRoutes } from "./admin-payments.ts";
import { docsRoute } from "./docs.ts";
import { healthRoutes } from "./health.ts";
import { openApiDocumentRoute } from "./openapi.ts";
import { paymentCancelRoutes } from "./payment-cancel.ts";
import { paymentListRoutes } from "./payment-list.ts";
import { paymentRoutes } from "./payments.ts";
import { reconciliationRoutes } from "./reconciliations.ts";
import { statementRoutes } from "./statements.ts";
import { webhookRoutes } from "./webhooks.ts";

export const API_ROUTES: readonly RouteDefinition[] = [
  ...paymentRoutes,
  ...paymentCancelRoutes,
  ...paymentListRoutes,
  ...reconciliationRoutes,
  ...statementRoutes,
  ...webhookRoutes,
  ...adminRoutes,
  ...adminMerchantListRoutes,
  ...adminMerchantRoutes,
  ...adminPaymentRoutes,
  ...healthRoutes,
  openApiDocumentRoute(() => API_ROUTES),
  docsRoute,
];
