import { CrossingStatusView } from '@crosscast/contracts';
import { crossingStatus } from '../../../../test/support/crossing-status';
import { viewKey } from './city-forecast.service';

const status = (over: Partial<CrossingStatusView> = {}): CrossingStatusView =>
  crossingStatus('A', { lastForecastIntervalStart: '2026-12-06T04:00:00.000Z', lastHeartbeatAt: '2026-12-06T04:16:00.000Z', lastObservedTotal: 120, ...over });
const asOf = new Date('2026-12-06T04:00:00.000Z');

describe('viewKey (when the cached city views are rebuilt)', () => {
  it('ignores what the views do not show: a fresh crossing heartbeating, its observed total', () => {
    expect(viewKey([status({ lastHeartbeatAt: '2026-12-06T04:16:05.000Z', lastObservedTotal: 130 })], asOf, 1)).toBe(viewKey([status()], asOf, 1));
  });

  it('changes with what they show: freshness, worker status, newest forecast, data time, crossings with data', () => {
    const base = viewKey([status()], asOf, 1);
    expect(viewKey([status({ freshness: 'stale' })], asOf, 1)).not.toBe(base);
    expect(viewKey([status({ workerStatus: 'degraded' })], asOf, 1)).not.toBe(base);
    expect(viewKey([status({ lastForecastIntervalStart: '2026-12-06T04:15:00.000Z' })], asOf, 1)).not.toBe(base);
    expect(viewKey([status()], new Date('2026-12-06T04:15:00.000Z'), 1)).not.toBe(base);
    expect(viewKey([status()], asOf, 2)).not.toBe(base);
  });

  it("changes with an offline crossing's last heartbeat (its estimate's reason names it)", () => {
    const offline = status({ freshness: 'offline' });
    expect(viewKey([{ ...offline, lastHeartbeatAt: '2026-12-06T04:20:00.000Z' }], asOf, 1)).not.toBe(viewKey([offline], asOf, 1));
  });
});
