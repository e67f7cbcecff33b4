import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { CrossingSettingsView, Role, UserView, WorkerKeyView } from '@crosscast/contracts';
import { WORKER_KEYS, WorkerKeys } from '@crosscast/runtime';
import { passwordProblem } from '../auth/credential-policy';
import { hashPassword } from '../auth/password-hasher';
import type { AuthenticatedUser } from '../auth/roles';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { DecisionsRepository } from '../repositories/decisions.repository';
import { AdminAuditRepository, AdminAuditView } from '../repositories/admin-audit.repository';
import { ForecastStoreRepository } from '../repositories/forecast-store.repository';
import { UsersRepository } from '../repositories/users.repository';

/** Admin work: users, crossings' settings, and which signing keys are configured. */
@Injectable()
export class AccessAdminService {
  constructor(
    @Inject(WORKER_KEYS) private readonly keys: WorkerKeys,
    private readonly users: UsersRepository,
    private readonly decisions: DecisionsRepository,
    private readonly city: CityRepository,
    private readonly clock: ClockRepository,
    private readonly audit: AdminAuditRepository,
    private readonly store: ForecastStoreRepository,
  ) {}

  auditLog(limit: number, beforeId?: string): Promise<AdminAuditView[]> {
    return this.audit.list(limit, beforeId);
  }

  /**
   * Forgets a crossing's highest accepted seqs, so its worker's next forecast is accepted
   * whatever its seq: the way back after a faulty or compromised box pushed the seq beyond
   * reach (rotate that crossing's key too). Audited with the values it had.
   */
  async resetSequence(crossingId: string, reason: string, by: AuthenticatedUser): Promise<{ crossingId: string; previous: { forecastSeq: number | null; heartbeatSeq: number | null } }> {
    if (!this.city.get(crossingId)) throw new NotFoundException(`crossing ${crossingId} does not exist`);
    const previous = await this.store.resetSequence(crossingId);
    await this.audit.record({ actor: by.username, action: 'crossing.sequence-reset', target: `crossing:${crossingId}`, details: { reason, previous } });
    return { crossingId, previous };
  }

  listUsers(): Promise<UserView[]> {
    return this.users.list();
  }

  async createUser(input: { username: string; password: string; role: Role; displayName?: string }, by: AuthenticatedUser): Promise<UserView> {
    requireAllowedPassword(input.password, input.username);
    const created = await this.users.create({
      username: input.username,
      displayName: input.displayName ?? input.username,
      role: input.role,
      passwordHash: await hashPassword(input.password),
    });
    if (!created) throw new ConflictException(`a user named ${input.username} already exists (usernames are compared without regard to case)`);
    await this.audit.record({ actor: by.username, action: 'user.created', target: `user:${created.id}`, details: { username: created.username, role: created.role } });
    return created;
  }

  /** Role, disabled flag, display name or password. An admin cannot lock out the last enabled admin. */
  async updateUser(id: string, changes: { role?: Role; disabled?: boolean; displayName?: string; password?: string }, by: AuthenticatedUser): Promise<UserView> {
    if (Object.values(changes).every((v) => v === undefined)) throw new BadRequestException('nothing to change: give role, disabled, displayName or password');
    const target = await this.users.findById(id);
    if (!target) throw new NotFoundException(`user ${id} does not exist`);
    if (changes.password !== undefined) requireAllowedPassword(changes.password, target.username);
    const losesAdmin = target.role === 'admin' && !target.disabled && ((changes.role !== undefined && changes.role !== 'admin') || changes.disabled === true);
    if (losesAdmin && (await this.users.countOtherActiveAdmins(id)) === 0) {
      throw new ConflictException(`${target.username} is the last enabled admin${target.id === by.id ? ' (you)' : ''}: make another admin first`);
    }
    const updated = await this.users.update(id, {
      role: changes.role,
      disabled: changes.disabled,
      displayName: changes.displayName,
      passwordHash: changes.password === undefined ? undefined : await hashPassword(changes.password),
    });
    if (!updated) throw new NotFoundException(`user ${id} does not exist`);
    const { password, ...visible } = changes;
    await this.audit.record({
      actor: by.username,
      action: 'user.updated',
      target: `user:${id}`,
      details: { username: target.username, ...visible, ...(password === undefined ? {} : { passwordChanged: true }) },
    });
    return updated;
  }

  crossingSettings(): Promise<CrossingSettingsView[]> {
    return this.decisions.crossingSettings();
  }

  async updateCrossing(id: string, changes: { plansEnabled?: boolean; adminNote?: string | null }, by: AuthenticatedUser): Promise<CrossingSettingsView> {
    if (!this.city.get(id)) throw new NotFoundException(`crossing ${id} is not part of ${this.city.city.city}`);
    if (changes.plansEnabled === undefined && changes.adminNote === undefined) throw new BadRequestException('nothing to change: give plansEnabled or adminNote');
    const updated = await this.decisions.updateCrossingSettings(id, changes, by.username, this.clock.now());
    if (!updated) throw new NotFoundException(`crossing ${id} is not stored yet`);
    return updated;
  }

  /** Which crossings have a signing key, by fingerprint; never the key itself. */
  workerKeys(): { source: string; keys: WorkerKeyView[] } {
    return {
      source: this.keys.source,
      keys: this.city.all().map((c) => {
        const key = this.keys.keyFor(c.id);
        return { crossingId: c.id, fingerprint: key ? createHash('sha256').update(key).digest('hex').slice(0, 16) : null };
      }),
    };
  }
}

function requireAllowedPassword(password: string, username: string): void {
  const problem = passwordProblem(password, username);
  if (problem) throw new BadRequestException(`password ${problem}`);
}
