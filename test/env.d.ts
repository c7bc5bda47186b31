declare namespace Cloudflare {
  interface Env {
    /** Test-only: the bank without a client certificate. */
    BANK_WITHOUT_CERT: Fetcher;
    /** Test-only: the bank simulator's plain-HTTP control plane. */
    BANK_CONTROL: Fetcher;
    /** Test-only: the local webhook receiver's control routes (the same server WEBHOOK_FETCH reaches). */
    WEBHOOK_RECEIVER: Fetcher;
    /** Test-only: the simulator's second door, closed by tests to refuse connections. */
    BANK_DRILL_DOOR: Fetcher;
    /** Test-only: an address where no bank listens (connection refused). */
    BANK_UNREACHABLE: Fetcher;
    /** Test-only: seed for the chaos test ("" = pick one and print it). */
    CHAOS_SEED: string;
  }
}
