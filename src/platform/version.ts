/** Reported by GET /health; test/health.test.ts keeps it equal to package.json's version. */
export const CONNECTOR_VERSION = "0.1.0";
