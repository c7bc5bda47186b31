declare namespace Cloudflare {
  interface Env {
    /** Test-only: the bank without a client certificate. */
    BANK_WITHOUT_CERT: Fetcher;
    /** Test-only: the bank simulator's plain-HTTP control plane. */
    BANK_CONTROL: Fetcher;
    /** Test-only: the local webhook receiver's control routes (the same server WEBHOOK_FETCH reaches). */
    WEBHOOK_RECEIVER: Fetcher;
  }
}
