import { LocalCalendar } from './calendar';

const melbourne = new LocalCalendar('Australia/Melbourne');

describe('LocalCalendar (Australia/Melbourne)', () => {
  it('puts 2006-10-01T00:00:00+10:00 at local midnight on a Sunday', () => {
    expect(melbourne.slotOf(Date.parse('2006-10-01T00:00:00+10:00'))).toEqual({ minuteOfDay: 0, dayOfWeek: 6 });
  });

  it('numbers days Monday = 0 to Sunday = 6', () => {
    const days = [2, 3, 4, 5, 6, 7, 8].map((d) => melbourne.slotOf(Date.parse(`2006-10-0${d}T12:00:00+10:00`)).dayOfWeek);
    expect(days).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('reads the local time, not UTC: 14:00Z on 30 September is Sunday midnight in Melbourne', () => {
    expect(melbourne.slotOf(Date.parse('2006-09-30T14:00:00Z'))).toEqual({ minuteOfDay: 0, dayOfWeek: 6 });
    expect(melbourne.slotOf(Date.parse('2006-09-30T13:45:00Z'))).toEqual({ minuteOfDay: 23 * 60 + 45, dayOfWeek: 5 });
  });

  it('follows the daylight-saving change of 2006-10-29 (02:00 -> 03:00)', () => {
    // 01:45 standard time and 03:00 daylight time are consecutive 15-minute intervals.
    const before = Date.parse('2006-10-29T01:45:00+10:00');
    const after = Date.parse('2006-10-29T03:00:00+11:00');
    expect(after - before).toBe(15 * 60_000);
    expect(melbourne.slotOf(before)).toEqual({ minuteOfDay: 105, dayOfWeek: 6 });
    expect(melbourne.slotOf(after)).toEqual({ minuteOfDay: 180, dayOfWeek: 6 });
    expect(melbourne.slotOf(Date.parse('2006-10-30T00:00:00+11:00'))).toEqual({ minuteOfDay: 0, dayOfWeek: 0 });
    expect(melbourne.slotOf(Date.parse('2006-10-30T17:30:00+11:00'))).toEqual({ minuteOfDay: 17 * 60 + 30, dayOfWeek: 0 });
  });

  it('maps every 15-minute interval of October 2006 to its local time (+10:00, then +11:00)', () => {
    const start = Date.parse('2006-10-01T00:00:00+10:00');
    const change = Date.parse('2006-10-29T02:00:00+10:00');
    for (let ms = start; ms < Date.parse('2006-11-01T00:00:00+11:00'); ms += 15 * 60_000) {
      const offsetMs = (ms < change ? 10 : 11) * 3_600_000;
      const local = new Date(ms + offsetMs); // read with UTC getters = local wall clock
      const expected = { minuteOfDay: local.getUTCHours() * 60 + local.getUTCMinutes(), dayOfWeek: (local.getUTCDay() + 6) % 7 };
      const actual = melbourne.slotOf(ms);
      if (actual.minuteOfDay !== expected.minuteOfDay || actual.dayOfWeek !== expected.dayOfWeek) {
        throw new Error(`${new Date(ms).toISOString()}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
      }
    }
  });

  it('gives the same answer from its cache', () => {
    const ms = Date.parse('2006-10-15T08:15:00+10:00');
    expect(melbourne.slotOf(ms)).toEqual({ minuteOfDay: 495, dayOfWeek: 6 });
    expect(melbourne.slotOf(ms)).toEqual({ minuteOfDay: 495, dayOfWeek: 6 });
  });

  it('depends on the zone it was made for', () => {
    const utc = new LocalCalendar('UTC');
    expect(utc.slotOf(Date.parse('2006-10-01T00:00:00+10:00'))).toEqual({ minuteOfDay: 14 * 60, dayOfWeek: 5 });
  });
});
