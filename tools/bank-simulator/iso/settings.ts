/**
 * Which ISO 20022 documents the simulated bank writes, and how: message
 * versions (every one real banks send), booking dates as Dt or DtTm, batched
 * statement entries, rejected transfers as INFO entries, AccptncDtTm or not.
 *
 *   GET|PUT|DELETE /control/iso20022                   simulator-wide defaults
 *   GET|PUT|DELETE /control/iso20022/debtors/{iban}    one debtor's overrides
 *
 * Tests running in parallel against one simulator should use the per-debtor
 * form; each has its own debtor IBAN.
 */
import { z } from "zod";
import type { SimulatorAnswer } from "../statements.ts";
import { PAIN002_VERSIONS } from "./pain002.ts";

const CAMT_VERSIONS = ["001.02", "001.04", "001.08"] as const;
export type CamtVersion = (typeof CAMT_VERSIONS)[number];
const MAX_STATEMENT_BATCH_SIZE = 1000;

export const IsoSettingsInput = z.strictObject({
  pain002: z.enum(PAIN002_VERSIONS).optional(),
  camt053: z.enum(CAMT_VERSIONS).optional(),
  camt054: z.enum(CAMT_VERSIONS).optional(),
  /** camt BookgDt as a date (Dt) or a date-time (DtTm, with the debtor's timestamp offset). */
  booking_date: z.enum(["date", "datetime"]).optional(),
  /** Statements put up to this many transfers under one Ntry (Btch + several TxDtls); null: one Ntry each. */
  batch_size: z.number().int().min(2).max(MAX_STATEMENT_BATCH_SIZE).nullable().optional(),
  /** Rejected transfers: left off statements (nothing was booked) or listed as INFO entries. */
  rejected_entries: z.enum(["omit", "info"]).optional(),
  /** Whether status reports carry AccptncDtTm (the booking time). */
  acceptance_time: z.boolean().optional(),
});
export type IsoSettingsInput = z.output<typeof IsoSettingsInput>;

export interface IsoSettings {
  pain002: (typeof PAIN002_VERSIONS)[number];
  camt053: CamtVersion;
  camt054: CamtVersion;
  booking_date: "date" | "datetime";
  batch_size: number | null;
  rejected_entries: "omit" | "info";
  acceptance_time: boolean;
}

const DEFAULT_ISO_SETTINGS: IsoSettings = {
  pain002: "001.10",
  camt053: "001.08",
  camt054: "001.08",
  booking_date: "date",
  batch_size: null,
  rejected_entries: "omit",
  acceptance_time: true,
};

export class IsoSettingsDesk {
  private defaults: IsoSettings = { ...DEFAULT_ISO_SETTINGS };
  private readonly perDebtor = new Map<string, IsoSettingsInput>();

  /** The settings for documents about this debtor's account (undefined: the defaults). */
  for(debtorIban: string | undefined): IsoSettings {
    const override = debtorIban === undefined ? undefined : this.perDebtor.get(debtorIban);
    return override ? merge(this.defaults, override) : this.defaults;
  }

  /** Control plane: /control/iso20022[/debtors/{iban}]. Undefined when the path is not ours. */
  handleControl(method: string, pathname: string, body: unknown): SimulatorAnswer | undefined {
    const match = /^\/control\/iso20022(?:\/debtors\/([^/]+))?$/.exec(pathname);
    if (!match) return undefined;
    const debtorIban = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
    switch (method) {
      case "GET":
        return { status: 200, body: this.for(debtorIban) };
      case "PUT": {
        const parsed = IsoSettingsInput.safeParse(body);
        if (!parsed.success) return { status: 400, body: { error: z.prettifyError(parsed.error) } };
        if (debtorIban === undefined) this.defaults = merge(this.defaults, parsed.data);
        else this.perDebtor.set(debtorIban, { ...this.perDebtor.get(debtorIban), ...withoutUndefined(parsed.data) });
        return { status: 200, body: this.for(debtorIban) };
      }
      case "DELETE":
        if (debtorIban === undefined) this.defaults = { ...DEFAULT_ISO_SETTINGS };
        else this.perDebtor.delete(debtorIban);
        return { status: 200, body: this.for(debtorIban) };
      default:
        return { status: 405, body: { error: "GET, PUT or DELETE" } };
    }
  }
}

function merge(base: IsoSettings, override: IsoSettingsInput): IsoSettings {
  return { ...base, ...withoutUndefined(override) } as IsoSettings;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
