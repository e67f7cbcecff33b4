import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import type { AlertAcknowledgementView, AlertKind } from '@crosscast/contracts';
import type { LiveGateway } from '../gateways/live.gateway';
import type { CityRepository } from '../repositories/city.repository';
import type { ClockRepository } from '../repositories/clock.repository';
import { AcknowledgeOutcome, Acknowledger, AlertAcknowledgementsRepository } from './alert-acknowledgements.repository';
import { AlertAcknowledgementsService } from './alert-acknowledgements.service';

/** The acknowledgement rules with an in-memory repository (the SQL is covered by alert-acknowledgements.int-spec.ts). */
class MemoryAcks {
  readonly rows: AlertAcknowledgementView[] = [];
  async acknowledge(alertKey: string, kind: AlertKind, crossingId: string, note: string | null, by: Acknowledger, at: Date): Promise<AcknowledgeOutcome> {
    const existing = this.rows.find((r) => r.alertKey === alertKey);
    if (existing) return { status: 'already-acknowledged', acknowledgement: existing };
    const row: AlertAcknowledgementView = { id: String(this.rows.length + 1), alertKey, kind, crossingId, note, acknowledgedBy: by.username, acknowledgedByRole: by.role, acknowledgedAt: at.toISOString() };
    this.rows.push(row);
    return { status: 'acknowledged', acknowledgement: row };
  }
  async list(): Promise<AlertAcknowledgementView[]> {
    return [...this.rows].reverse();
  }
}

describe('AlertAcknowledgementsService', () => {
  const AT = new Date('2026-01-01T08:00:00Z');
  const operator = { id: '2', username: 'operator', displayName: 'Operator', role: 'operator' as const };
  const setup = () => {
    const repo = new MemoryAcks();
    const emitted: Array<[string, unknown]> = [];
    const live = { emit: (event: string, payload: unknown) => emitted.push([event, payload]) } as unknown as LiveGateway;
    const city = { get: (id: string) => (id === '0970' ? { id } : undefined) } as unknown as CityRepository;
    const clock = { now: () => AT } as unknown as ClockRepository;
    return { repo, emitted, service: new AlertAcknowledgementsService(repo as unknown as AlertAcknowledgementsRepository, city, clock, live) };
  };

  it('reads the kind and crossing from the key, keeps who and when, trims the note, and tells every dashboard', async () => {
    const { service, repo, emitted } = setup();
    const ack = await service.acknowledge('congestion:0970:2006-10-10T07:00:00.000Z', '  crew on site ', operator);
    expect(ack).toEqual({ id: '1', alertKey: 'congestion:0970:2006-10-10T07:00:00.000Z', kind: 'congestion', crossingId: '0970', note: 'crew on site', acknowledgedBy: 'operator', acknowledgedByRole: 'operator', acknowledgedAt: AT.toISOString() });
    expect(repo.rows).toEqual([ack]);
    expect(emitted).toEqual([['alert-acknowledged', ack]]);
    expect((await service.acknowledge('drift:0970', '   ', operator)).note).toBeNull();
  });

  it('answers a second acknowledgement with 409 naming the first, and emits nothing for it', async () => {
    const { service, emitted } = setup();
    const first = await service.acknowledge('pending:0970:42', undefined, operator);
    const again = service.acknowledge('pending:0970:42', undefined, { ...operator, id: '1', username: 'admin', role: 'admin' });
    await expect(again).rejects.toBeInstanceOf(ConflictException);
    await again.catch((e: ConflictException) => expect(e.getResponse()).toMatchObject({ message: expect.stringMatching(/already acknowledged by operator/), acknowledgement: first }));
    expect(emitted).toHaveLength(1);
  });

  it('refuses a key of no known kind (400) and a crossing of another city (404)', async () => {
    const { service, repo } = setup();
    await expect(service.acknowledge('flood:0970', undefined, operator)).rejects.toBeInstanceOf(BadRequestException);
    await expect(service.acknowledge('stale:4711:never', undefined, operator)).rejects.toBeInstanceOf(NotFoundException);
    expect(repo.rows).toEqual([]);
  });
});
