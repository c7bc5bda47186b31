import { describe, expect, it } from "vitest";
import { isoDateDay, isoDateTimeToUtc, utcDayOf } from "../../../src/bank/iso20022/iso-datetime.ts";

describe("ISODateTime and ISODate", () => {
  it("converts offsets to UTC, reads no zone as UTC, keeps milliseconds", () => {
    expect(isoDateTimeToUtc("2026-11-23T23:30:00-02:00")).toBe("2026-11-24T01:30:00.000Z");
    expect(isoDateTimeToUtc("2026-11-24T00:30:00+01:00")).toBe("2026-11-23T23:30:00.000Z");
    expect(isoDateTimeToUtc("2026-11-23T10:00:00Z")).toBe("2026-11-23T10:00:00.000Z");
    expect(isoDateTimeToUtc("2026-11-23T10:00:00")).toBe("2026-11-23T10:00:00.000Z");
    expect(isoDateTimeToUtc("2026-11-23T10:00:00.1234567+05:45")).toBe("2026-11-23T04:15:00.123Z");
    expect(isoDateTimeToUtc("2026-12-31T24:00:00Z")).toBe("2027-01-01T00:00:00.000Z");
    expect(isoDateTimeToUtc("2028-02-29T12:00:00Z")).toBe("2028-02-29T12:00:00.000Z");
  });

  it("refuses what is not a real instant", () => {
    for (const text of [
      "2026-02-29T12:00:00Z",
      "2026-11-31T00:00:00Z",
      "2026-11-23T24:00:01Z",
      "2026-11-23T23:60:00Z",
      "2026-11-23T23:59:60Z",
      "2026-11-23T10:00:00+15:00",
      "2026-11-23T10:00:00+01:60",
      "2026-11-23 10:00:00Z",
      "0099-11-23T10:00:00Z",
      "2026-11-23",
      "",
    ]) {
      expect(isoDateTimeToUtc(text), text).toBeNull();
    }
  });

  it("reads an ISODate's day as given, a zone suffix dropped", () => {
    expect(isoDateDay("2026-11-23")).toBe("2026-11-23");
    expect(isoDateDay("2026-11-23+02:00")).toBe("2026-11-23");
    expect(isoDateDay("2026-02-30")).toBeNull();
    expect(isoDateDay("2026-11-23T00:00:00Z")).toBeNull();
    expect(utcDayOf(Date.UTC(2026, 10, 23, 23, 59, 59, 999))).toBe("2026-11-23");
  });
});
