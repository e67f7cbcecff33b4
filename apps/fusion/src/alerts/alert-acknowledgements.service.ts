import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AlertAcknowledgementView, AlertKind } from '@crosscast/contracts';
import type { AuthenticatedUser } from '../auth/roles';
import { LiveGateway } from '../gateways/live.gateway';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { AlertAcknowledgementsRepository } from './alert-acknowledgements.repository';
import { ALERT_KEY } from './alerts.dto';

/**
 * Shared acknowledgements of the dashboard's alerts: an operator acknowledges an alert
 * once (who, when, an optional note: the row is the audit trail, like a decision on a
 * recommendation), and every dashboard is told at once (`alert-acknowledged`). The alert
 * is named by its condition key, so one that ends and comes back is a new alert.
 */
@Injectable()
export class AlertAcknowledgementsService {
  constructor(
    private readonly acks: AlertAcknowledgementsRepository,
    private readonly city: CityRepository,
    private readonly clock: ClockRepository,
    private readonly live: LiveGateway,
  ) {}

  async acknowledge(alertKey: string, note: string | undefined, user: AuthenticatedUser): Promise<AlertAcknowledgementView> {
    const match = ALERT_KEY.exec(alertKey);
    if (!match) throw new BadRequestException('alertKey must be <kind>:<crossingId>[:<since what>]');
    const kind = match[1] as AlertKind;
    const crossingId = match[2];
    if (!this.city.get(crossingId)) throw new NotFoundException(`crossing ${crossingId} is not part of this city`);
    const outcome = await this.acks.acknowledge(alertKey, kind, crossingId, note?.trim() || null, { userId: user.id, username: user.username, role: user.role }, this.clock.now());
    if (outcome.status === 'already-acknowledged') {
      const a = outcome.acknowledgement;
      throw new ConflictException({ statusCode: 409, error: 'Conflict', message: `alert ${alertKey} was already acknowledged by ${a.acknowledgedBy} at ${a.acknowledgedAt}`, acknowledgement: a });
    }
    this.live.emit('alert-acknowledged', outcome.acknowledgement);
    return outcome.acknowledgement;
  }

  list(crossingId: string | undefined, limit = 500): Promise<AlertAcknowledgementView[]> {
    return this.acks.list(crossingId, limit);
  }
}
