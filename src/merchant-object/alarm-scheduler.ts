/**
 * The object's single alarm, kept at the earliest work any capability has
 * due (cloudflare/actors' Alarms: each capability says when it is next due;
 * the scheduler alone owns the alarm).
 *
 * The alarm is only ever moved earlier, never later: with work already due,
 * every re-arm would otherwise push it another MIN_ALARM_INTERVAL_MS out,
 * and under steady traffic it would never fire. An alarm that fires early
 * finds nothing due and re-arms for the real time.
 */
import { earliest } from "../platform/earliest.ts";
import type { Clock } from "../platform/object-store.ts";

/** The alarm never re-fires sooner than this, so a payment waiting for a bank slot cannot spin it. */
export const MIN_ALARM_INTERVAL_MS = 1_000;

/** The storage calls an alarm needs (DurableObjectStorage has them). */
export interface AlarmStorage {
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number): Promise<void>;
  deleteAlarm(): Promise<void>;
}

export class AlarmScheduler {
  /** Last alarm time this instance set (undefined: not loaded yet, null: none). */
  private alarmAt: number | null | undefined;

  /**
   * `dueTimes`: every capability's next due time (null: nothing due).
   * `afterReschedule`: a crash drill for tests (null in production).
   */
  constructor(
    private readonly storage: AlarmStorage,
    private readonly clock: Clock,
    private readonly dueTimes: () => Array<number | null>,
    private readonly afterReschedule: () => (() => void) | null,
  ) {}

  /** The alarm fired: the runtime removed it. */
  fired(): void {
    this.alarmAt = null;
  }

  /** Sets the alarm to the earliest due work, or removes it when nothing is due. */
  async reschedule(): Promise<void> {
    const next = earliest(...this.dueTimes());
    // The cached time is updated before each await, so a concurrent
    // ensureBy() compares against what storage is about to hold.
    if (next === null) {
      const had = this.alarmAt;
      this.alarmAt = null;
      if (had !== null) await this.storage.deleteAlarm();
    } else {
      await this.ensureBy(Math.max(next, this.clock.now() + MIN_ALARM_INTERVAL_MS));
    }
    this.afterReschedule()?.();
  }

  /**
   * Work of one capability now due at `at`: the alarm fires by then, yet not
   * sooner than MIN_ALARM_INTERVAL_MS from now (as reschedule() would set it),
   * without asking every capability when it is due.
   */
  async ensureDueBy(at: number): Promise<void> {
    await this.ensureBy(Math.max(at, this.clock.now() + MIN_ALARM_INTERVAL_MS));
  }

  /** Makes sure an alarm fires no later than `at` (cheap when one already does). */
  async ensureBy(at: number): Promise<void> {
    if (this.alarmAt === undefined) {
      const stored = await this.storage.getAlarm();
      // Another caller may have set it while we awaited (a webhook wake races admission's call).
      if (this.alarmAt === undefined) this.alarmAt = stored;
    }
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    // Noted before the await, so a concurrent caller compares against it and never sets a later time after ours.
    this.alarmAt = at;
    try {
      await this.storage.setAlarm(at);
    } catch (error) {
      // Dropped, so the next caller reads storage instead of trusting an alarm never set.
      this.alarmAt = undefined;
      throw error;
    }
  }
}
