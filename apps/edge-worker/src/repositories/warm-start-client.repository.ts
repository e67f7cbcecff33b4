import { Inject, Injectable, Logger } from '@nestjs/common';
import { FEDERATION_PATHS, FederatedSnapshotSchema, messageSignature, warmStartRequestPayload } from '@crosscast/contracts';
import { FederatedArchitecture, FederatedSnapshot, snapshotProblems } from '@crosscast/forecasting';
import { WORKER_KEYS, WorkerKeys } from '@crosscast/runtime';
import { EDGE_CONFIG, EdgeWorkerConfig } from '../config';

/**
 * Asks the fusion service (FUSION_URL) for a warm start: a GET signed with the crossing's
 * own key. The answer is checked here too (schema, shapes, this worker's architecture)
 * before any model is built from it. 404 = the city has no average yet (null).
 */
@Injectable()
export class WarmStartClientRepository {
  private readonly logger = new Logger('warm-start');

  constructor(
    @Inject(EDGE_CONFIG) private readonly config: EdgeWorkerConfig,
    @Inject(WORKER_KEYS) private readonly keys: WorkerKeys,
  ) {}

  get enabled(): boolean {
    return Boolean(this.config.FUSION_URL);
  }

  async fetch(crossingId: string, architecture: FederatedArchitecture, now = new Date()): Promise<FederatedSnapshot | null> {
    const key = this.keys.keyFor(crossingId);
    if (!key || !this.config.FUSION_URL) return null;
    const request = { crossingId, requestedAt: now.toISOString(), intervalMinutes: architecture.intervalMinutes, horizons: architecture.horizons, lags: architecture.lags };
    const query = new URLSearchParams({ ...Object.fromEntries(Object.entries(request).map(([k, v]) => [k, String(v)])), sig: messageSignature(warmStartRequestPayload(request), key) });
    const url = new URL(`${FEDERATION_PATHS.warmStart}?${query}`, this.config.FUSION_URL);
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (response.status === 404) {
      this.logger.log(`${crossingId}: no warm start from the city yet (${((await response.json().catch(() => ({}))) as { message?: string }).message ?? '404'})`);
      return null;
    }
    if (!response.ok) throw new Error(`warm start request answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    const body = (await response.json()) as { snapshot?: unknown; contributors?: number };
    const parsed = FederatedSnapshotSchema.safeParse(body.snapshot);
    if (!parsed.success) throw new Error(`warm start answer is not a snapshot: ${parsed.error.issues[0]?.message}`);
    const snapshot = parsed.data as FederatedSnapshot;
    const problems = snapshotProblems(snapshot, architecture);
    if (problems.length) throw new Error(`warm start answer is unusable: ${problems.slice(0, 3).join('; ')}`);
    this.logger.log(`${crossingId}: warm start received, averaged from ${body.contributors ?? snapshot.contributors} crossings`);
    return snapshot;
  }
}
