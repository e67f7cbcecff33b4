import type { EntityManager } from 'typeorm';
import type { FusionConfig } from '../config';
import { FencedError, LeadershipRepository } from '../repositories/leadership.repository';
import { LeadershipService, LeadershipState } from './leadership.service';

/**
 * The fence's effect on the instance that hits it, with an in-memory lock and epoch (the SQL
 * fence itself is covered by test/integration/leader-fence.int-spec.ts and
 * multi-instance.int-spec.ts): a leader whose write is refused was deposed without noticing;
 * it steps down once, drops its leader session, and does not act as leader again until it
 * wins an election.
 */
class MemoryLeadership {
  cityEpoch = 0;
  holder: string | null = null;
  abandoned = 0;
  /** The instance this repository's session belongs to. */
  me = '';
  /** When set, fence checks wait for it (a write's transaction slow to reach the fence). */
  gate: Promise<void> | null = null;

  async tryAcquire(holder: string): Promise<number | null> {
    if (this.holder !== null && this.holder !== holder) return null;
    this.holder = holder;
    return ++this.cityEpoch;
  }

  async stillHeld(): Promise<boolean> {
    return this.holder === this.me;
  }

  async assertEpoch(_manager: EntityManager, epoch: number): Promise<void> {
    await this.gate;
    if (epoch !== this.cityEpoch) throw new FencedError(epoch, this.cityEpoch);
  }

  abandonSession(): void {
    this.abandoned++;
  }

  async release(): Promise<void> {}
}

describe('LeadershipService fencing', () => {
  const manager = {} as EntityManager;

  const setup = async () => {
    const repo = new MemoryLeadership();
    const service = new LeadershipService({ LEADER_CHECK_SECONDS: 60 } as FusionConfig, repo as unknown as LeadershipRepository);
    repo.me = service.instance;
    const changes: LeadershipState[] = [];
    service.onChange((state) => changes.push(state));
    await service.check();
    return { repo, service, changes };
  };

  it('a leader passes its own epoch; a deposed one is refused, steps down once and drops its session', async () => {
    const { repo, service, changes } = await setup();
    expect(service.current()).toMatchObject({ role: 'leader', epoch: 1 });
    await service.assertLeading(manager);

    // Another instance took the lock and the epoch while this one was paused: it still believes it leads.
    repo.holder = 'other';
    repo.cityEpoch = 2;
    expect(service.isLeader()).toBe(true);
    await expect(service.assertLeading(manager)).rejects.toThrow(/fenced: this instance led epoch 1, the city is at epoch 2/);
    expect(service.current()).toMatchObject({ role: 'follower', epoch: 2 });
    expect(repo.abandoned).toBe(1);
    expect(changes.map((c) => c.role)).toEqual(['leader', 'follower']);

    // Later writes are refused too, without another step-down; the next election check does not take the lock back.
    await expect(service.assertLeading(manager)).rejects.toBeInstanceOf(FencedError);
    await service.check();
    expect(service.isLeader()).toBe(false);
    expect(changes).toHaveLength(2);
    expect(repo.abandoned).toBe(1);

    // Once the lock is free again it leads a new epoch, and its writes pass.
    repo.holder = null;
    await service.check();
    expect(service.current()).toMatchObject({ role: 'leader', epoch: 3 });
    await service.assertLeading(manager);
  });

  it('a refusal of an older epoch does not depose the leadership won meanwhile', async () => {
    const { repo, service, changes } = await setup();
    let open!: () => void;
    repo.gate = new Promise<void>((resolve) => (open = resolve));
    // A write of epoch 1 waits for its fence while this instance loses the lock and wins it back (epoch 3).
    const write = service.assertLeading(manager);
    repo.holder = 'other';
    repo.cityEpoch = 2;
    await service.check();
    repo.holder = null;
    await service.check();
    expect(service.current()).toMatchObject({ role: 'leader', epoch: 3 });
    open();
    await expect(write).rejects.toThrow(/led epoch 1, the city is at epoch 3/);
    expect(service.current()).toMatchObject({ role: 'leader', epoch: 3 });
    expect(changes.map((c) => `${c.role} ${c.epoch}`)).toEqual(['leader 1', 'follower 1', 'leader 3']);
    expect(repo.abandoned).toBe(0);
  });
});
