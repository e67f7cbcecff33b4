import type { CrossingStatusView } from '@crosscast/contracts';
import { crossingStatus } from '../../../../test/support/crossing-status';
import type { LiveGateway } from '../gateways/live.gateway';
import type { CityForecastService } from './city-forecast.service';
import type { CityFusionService } from './city-fusion.service';
import type { IngestEvents } from './ingest-events';
import type { LeadershipService } from './leadership.service';
import { LiveUpdatesService } from './live-updates.service';
import type { StatusService } from './status.service';

const status = (crossingId: string, lastForecastIntervalStart: string): CrossingStatusView => crossingStatus(crossingId, { lastForecastIntervalStart, lastObservedTotal: 100 });

/** One fusion instance: its gateway (what it sends, and to whom), its picture, whether it leads. */
function instance(leader: boolean, followedHere: string[]) {
  const sent: Array<{ to: string; event: string; crossingId?: string }> = [];
  let version = 0;
  let statuses: CrossingStatusView[] = [];
  const picture = () => ({ version, statuses, overview: { version }, estimated: new Set<string>(), asOf: null });
  const live = {
    locallyFollowedCrossings: () => followedHere,
    emit: (event: string) => sent.push({ to: 'everyone', event }),
    emitToLocalFollowers: (crossingId: string, event: string, payload: CrossingStatusView) => sent.push({ to: `room ${crossingId} here`, event, crossingId: payload.crossingId }),
    // What the leader did before: one message per changed crossing to its room on every instance, through the Redis adapter.
    emitToCrossing: (crossingId: string, event: string) => sent.push({ to: `room ${crossingId} everywhere`, event }),
    setSnapshotProvider: () => undefined,
  };
  const service = new LiveUpdatesService(
    { picture: async () => picture(), lastPicture: () => picture(), cachedPicture: async () => picture() } as unknown as CityForecastService,
    live as unknown as LiveGateway,
    { fedCount: 0 } as CityFusionService,
    { isLeader: () => leader } as LeadershipService,
    { recordStaleEpisodes: async () => undefined } as unknown as StatusService,
    { onBatchWritten: () => undefined } as unknown as IngestEvents,
  );
  return {
    sent,
    tick: () => (service as unknown as { tick(): Promise<void> }).tick(),
    /** A new picture: every crossing of the city has a new forecast. */
    newInterval: (interval: string, n: number) => {
      version++;
      statuses = Array.from({ length: n }, (_, i) => status(`c${i}`, interval));
      service.markDirty();
    },
  };
}

describe('LiveUpdatesService: a followed crossing’s full status', () => {
  it('goes only to the sockets that follow it, not to the room of every crossing that changed (4,096 publishes a second before)', async () => {
    const leader = instance(true, ['c7']);
    leader.newInterval('2026-12-06T08:00:00Z', 4096);
    await leader.tick();
    expect(leader.sent.filter((m) => m.event === 'crossing-status')).toEqual([{ to: 'room c7 here', event: 'crossing-status', crossingId: 'c7' }]);
    expect(leader.sent.filter((m) => m.event === 'crossing-summaries')).toHaveLength(1);

    // Unchanged: nothing again; the next interval: once more.
    await leader.tick();
    expect(leader.sent.filter((m) => m.event === 'crossing-status')).toHaveLength(1);
    leader.newInterval('2026-12-06T08:15:00Z', 4096);
    await leader.tick();
    expect(leader.sent.filter((m) => m.event === 'crossing-status')).toHaveLength(2);
  });

  it('reaches the sockets of an instance that does not lead, from its own picture (it broadcasts nothing city-wide)', async () => {
    const follower = instance(false, ['c3', 'c9']);
    follower.newInterval('2026-12-06T08:00:00Z', 16);
    await follower.tick();
    expect(follower.sent).toEqual([
      { to: 'room c3 here', event: 'crossing-status', crossingId: 'c3' },
      { to: 'room c9 here', event: 'crossing-status', crossingId: 'c9' },
    ]);
  });

  it('sends nothing to rooms when no socket here follows a crossing', async () => {
    const leader = instance(true, []);
    leader.newInterval('2026-12-06T08:00:00Z', 64);
    await leader.tick();
    expect(leader.sent.map((m) => m.event).sort()).toEqual(['city-forecast', 'crossing-summaries']);
  });
});
