import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { EntityManager } from 'typeorm';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { FencedError, LeadershipRepository } from '../repositories/leadership.repository';

export type LeadershipRole = 'leader' | 'follower';
export interface LeadershipState {
  role: LeadershipRole;
  /** The epoch this instance leads (leader) or last saw led (follower); 0 = none yet. */
  epoch: number;
  instance: string;
  since: string;
}

/**
 * One leader among the fusion instances for the city-wide steps (fusion, planning), elected
 * with a PostgreSQL advisory lock: every LEADER_CHECK_SECONDS each instance either checks it
 * still holds the lock or tries to take it. Every instance consumes queues and serves reads;
 * only the leader advances the city picture, and its writes are fenced by epoch.
 */
@Injectable()
export class LeadershipService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LeadershipService.name);
  readonly instance = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private state: LeadershipState = { role: 'follower', epoch: 0, instance: this.instance, since: new Date().toISOString() };
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private readonly listeners: Array<(state: LeadershipState) => void> = [];

  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    private readonly leadership: LeadershipRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Decide once before serving, so a lone instance leads from its first request.
    await this.check();
    this.timer = setInterval(() => void this.check(), this.config.LEADER_CHECK_SECONDS * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.checking;
    await this.leadership.release();
  }

  isLeader(): boolean {
    return this.state.role === 'leader';
  }

  current(): LeadershipState {
    return { ...this.state };
  }

  onChange(listener: (state: LeadershipState) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Inside a write transaction: throws FencedError unless this instance leads the current epoch.
   * A leader refused here was deposed without noticing (its lock lost during a pause or a
   * partition, another instance elected): it steps down at once, saying so once, so no
   * leader-only work (planning, automatic applications, partition maintenance, state saves)
   * is tried again as leader; its next election check finds the lock held by the new leader.
   */
  async assertLeading(manager: EntityManager): Promise<void> {
    try {
      await this.leadership.assertEpoch(manager, this.isLeader() ? this.state.epoch : -1);
    } catch (error) {
      // Only the epoch this instance still believes it leads (a re-election meanwhile is not undone).
      if (error instanceof FencedError && this.isLeader() && this.state.epoch === error.heldEpoch) {
        this.leadership.abandonSession();
        this.become('follower', error.currentEpoch, `deposed: a leader-only write was refused (${error.message}); nothing of it was written`, 'warn');
      }
      throw error;
    }
  }

  /** One election step; never two at once. */
  check(): Promise<void> {
    if (!this.checking) this.checking = this.step().finally(() => (this.checking = null));
    return this.checking;
  }

  private async step(): Promise<void> {
    try {
      if (this.isLeader()) {
        if (!(await this.leadership.stillHeld())) this.become('follower', this.state.epoch, 'the leader lock was lost');
        return;
      }
      const epoch = await this.leadership.tryAcquire(this.instance);
      if (epoch !== null) this.become('leader', epoch, 'took the leader lock');
    } catch (error) {
      // PostgreSQL away: a leader that cannot prove its lock stops leading.
      if (this.isLeader()) this.become('follower', this.state.epoch, `election check failed: ${(error as Error).message}`);
      else this.logger.warn(`election check failed: ${(error as Error).message}`);
    }
  }

  private become(role: LeadershipRole, epoch: number, why: string, level: 'log' | 'warn' = 'log'): void {
    this.state = { role, epoch, instance: this.instance, since: new Date().toISOString() };
    this.logger[level](`${role} (epoch ${epoch}): ${why}`);
    for (const listener of this.listeners) listener(this.current());
  }
}
