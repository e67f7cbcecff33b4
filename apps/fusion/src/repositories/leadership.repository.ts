import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { EntityManager } from 'typeorm';
import { FUSION_CONFIG, FusionConfig } from '../config';

/** An arbitrary fixed key (not the migration lock's): the city leader's advisory lock. */
export const CITY_LEADER_LOCK_KEY = 7_364_210_982;
export const CITY_LEADER_ROLE = 'city';

/** A write refused because this instance is no longer (or never was) the leader of that epoch. */
export class FencedError extends Error {
  constructor(readonly heldEpoch: number, readonly currentEpoch: number) {
    super(`fenced: this instance led epoch ${heldEpoch}, the city is at epoch ${currentEpoch}`);
  }
}

/**
 * Runs first in a leader-only write's transaction and throws (FencedError) to refuse it:
 * `LeadershipService.assertLeading`, which repositories take as an argument.
 */
export type Fence = (manager: EntityManager) => Promise<void>;

/**
 * The leader election's door to PostgreSQL. The advisory lock lives on a dedicated
 * connection (not the pool): PostgreSQL releases it when that session ends (process killed,
 * connection lost), which is what lets another instance take over. Server-side TCP
 * keepalives on that session make a silently lost peer end it within about 15 s.
 */
@Injectable()
export class LeadershipRepository implements OnApplicationShutdown {
  private readonly logger = new Logger(LeadershipRepository.name);
  private session: Client | null = null;

  constructor(@Inject(FUSION_CONFIG) private readonly config: FusionConfig) {}

  /** Takes the lock if free and returns the new epoch; null if another instance holds it. */
  async tryAcquire(holder: string): Promise<number | null> {
    const session = await this.openSession();
    const [{ locked }] = (await session.query('SELECT pg_try_advisory_lock($1) AS locked', [CITY_LEADER_LOCK_KEY])).rows;
    if (!locked) return null;
    const result = await session.query(
      `UPDATE leadership SET epoch = epoch + 1, holder = $2, elected_at = now() WHERE role = $1 RETURNING epoch`,
      [CITY_LEADER_ROLE, holder.slice(0, 128)],
    );
    if (result.rowCount !== 1) throw new Error(`leadership row '${CITY_LEADER_ROLE}' is missing (migrations not applied?)`);
    return Number(result.rows[0].epoch);
  }

  /** True while the session that holds the lock is alive and still holds it. */
  async stillHeld(): Promise<boolean> {
    if (!this.session) return false;
    try {
      const { rows } = await withTimeout(
        this.session.query(`SELECT count(*)::int AS held FROM pg_locks
           WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 1
             AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`, [CITY_LEADER_LOCK_KEY]),
        this.config.LEADER_CHECK_SECONDS * 1000,
      );
      return rows[0].held > 0;
    } catch (error) {
      this.logger.warn(`leader session lost: ${(error as Error).message}`);
      await this.closeSession();
      return false;
    }
  }

  /**
   * Inside a write transaction: refuses to go on unless `epoch` is still the city's epoch.
   * FOR SHARE makes a new leader's epoch bump wait until this transaction ends, so a write
   * that passed the check commits before any newer leader starts.
   */
  async assertEpoch(manager: EntityManager, epoch: number): Promise<void> {
    const rows = await manager.query(`SELECT epoch FROM leadership WHERE role = $1 FOR SHARE`, [CITY_LEADER_ROLE]);
    const current = Number(rows[0]?.epoch ?? -1);
    if (current !== epoch) throw new FencedError(epoch, current);
  }

  /**
   * Drops the leader session without waiting (a deposed leader's: the lock is another's now,
   * and a session cut off from PostgreSQL may not answer); the next tryAcquire opens a new one.
   */
  abandonSession(): void {
    void this.closeSession();
  }

  async release(): Promise<void> {
    if (!this.session) return;
    await this.session.query('SELECT pg_advisory_unlock($1)', [CITY_LEADER_LOCK_KEY]).catch(() => undefined);
    await this.closeSession();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.release();
  }

  private async openSession(): Promise<Client> {
    if (this.session) return this.session;
    const session = new Client({ connectionString: this.config.DATABASE_URL, connectionTimeoutMillis: 5000, keepAlive: true, keepAliveInitialDelayMillis: 5000 });
    session.on('error', (error) => {
      this.logger.warn(`leader session error: ${error.message}`);
      if (this.session === session) this.session = null;
    });
    await session.connect();
    // The server ends this session (and frees the lock) when the peer stops answering.
    await session.query(`SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3; SET application_name = 'crosscast-fusion-leader'`);
    this.session = session;
    return session;
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.end().catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
