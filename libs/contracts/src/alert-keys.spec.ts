import { AlertStatusFields, alertKey, statusAlerts } from './api';

/** The alert key rules: one key per episode of a condition, the same on every dashboard and in the server's tests. */
describe('statusAlerts: which alerts a status raises, keyed per episode', () => {
  const base: AlertStatusFields = { crossingId: '0970', freshness: 'fresh', congestion: null, offlineSince: null, staleSince: null, degradedSince: null, driftingSince: null };
  const keys = (over: Partial<AlertStatusFields>) => statusAlerts({ ...base, ...over }).map((a) => a.key);

  it('raises nothing for a healthy crossing, or one never heard from', () => {
    expect(statusAlerts(base)).toEqual([]);
    expect(statusAlerts({ ...base, freshness: 'unknown' })).toEqual([]);
  });

  it('keys every kind on where its episode began', () => {
    expect(keys({ freshness: 'offline', offlineSince: '2026-01-01T08:00:05.000Z' })).toEqual(['offline:0970:2026-01-01T08:00:05.000Z']);
    expect(keys({ freshness: 'stale', staleSince: '2006-10-10T06:00:00.000Z' })).toEqual(['stale:0970:2006-10-10T06:00:00.000Z']);
    expect(keys({ degradedSince: '2026-01-01T08:00:00.000Z' })).toEqual(['degraded:0970:2026-01-01T08:00:00.000Z']);
    expect(keys({ driftingSince: '2026-01-01T07:59:00.000Z' })).toEqual(['drift:0970:2026-01-01T07:59:00.000Z']);
    expect(keys({ congestion: { since: '2006-10-10T07:00:00.000Z', periodStart: '2006-10-10T08:00:00.000Z', reason: 'Y = 0.93 >= 0.9' } })).toEqual(['congestion:0970:2006-10-10T07:00:00.000Z']);
    expect(alertKey('pending', '0970', '42')).toBe('pending:0970:42');
  });

  it('keeps the key while the episode lasts: nothing but the episode start is in it', () => {
    // A degraded worker keeps forecasting: its status changes with every forecast, the key does not.
    const during = { ...base, degradedSince: '2026-01-01T08:00:00.000Z', driftingSince: '2026-01-01T08:00:00.000Z' };
    const later = { ...during, lastForecastIntervalStart: '2006-10-10T08:15:00.000Z', lastHeartbeatAt: '2026-01-01T08:20:00.000Z', drift: { ratio: 2.4 } };
    const earlier = { ...during, lastForecastIntervalStart: '2006-10-10T08:00:00.000Z', lastHeartbeatAt: '2026-01-01T08:05:00.000Z', drift: { ratio: 1.6 } };
    expect(statusAlerts(later)).toEqual(statusAlerts(earlier));
    expect(statusAlerts(later).map((a) => a.kind)).toEqual(['degraded', 'drift']);
  });

  it('gives a new key to a new episode of the same condition', () => {
    for (const [field, kind] of [['degradedSince', 'degraded'], ['driftingSince', 'drift']] as const) {
      const first = keys({ [field]: '2026-01-01T08:00:00.000Z' });
      const second = keys({ [field]: '2026-01-01T09:30:00.000Z' });
      expect(first[0]).toMatch(new RegExp(`^${kind}:`));
      expect(second[0]).not.toBe(first[0]);
    }
    expect(keys({ freshness: 'offline', offlineSince: '2026-01-01T08:00:05.000Z' })).not.toEqual(keys({ freshness: 'offline', offlineSince: '2026-01-01T09:00:05.000Z' }));
  });

  it('lets offline and stale hide degraded (the worker’s word is out of date), not drift or congestion', () => {
    const all = { degradedSince: 'd', driftingSince: 'r', congestion: { since: 'c', periodStart: 'c', reason: 'x' } };
    expect(statusAlerts({ ...base, ...all, freshness: 'offline', offlineSince: 'o' }).map((a) => a.kind)).toEqual(['offline', 'drift', 'congestion']);
    expect(statusAlerts({ ...base, ...all, freshness: 'stale', staleSince: 's' }).map((a) => a.kind)).toEqual(['stale', 'drift', 'congestion']);
    expect(statusAlerts({ ...base, ...all }).map((a) => a.kind)).toEqual(['degraded', 'drift', 'congestion']);
  });

  it('names a stale crossing that never sent a forecast `never`', () => {
    expect(keys({ freshness: 'stale', staleSince: null })).toEqual(['stale:0970:never']);
  });
});
