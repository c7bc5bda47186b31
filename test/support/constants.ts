/** The admin token the test Worker is configured with (vitest.config.ts). Not a real secret. */
export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123456789abcdef";
