import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { AutomaticModeView, CrossingDefinition, CrossingRecommendationView, RecommendationStatus, RecommendationView } from '@crosscast/contracts';
import { toSumoProgramByApproach } from '@crosscast/signal-timing';
import type { AuthenticatedUser } from '../auth/roles';
import { hasRole } from '../auth/roles';
import { LiveGateway } from '../gateways/live.gateway';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { RecommendationsRepository } from '../repositories/recommendations.repository';
import { RecommendationService } from './recommendation.service';

/**
 * The read side of recommendations and each crossing's automatic mode. Turning automatic
 * mode on lets fusion change a street's plan without a person: only an admin may. Turning
 * it off is the safe direction: an operator may too.
 */
@Injectable()
export class AutomaticModeService {
  constructor(
    private readonly city: CityRepository,
    private readonly recommendations: RecommendationsRepository,
    private readonly planning: RecommendationService,
    private readonly live: LiveGateway,
    private readonly clock: ClockRepository,
  ) {}

  async list(crossingId: string | undefined, status: RecommendationStatus | undefined, limit = 100): Promise<RecommendationView[]> {
    if (crossingId) this.require(crossingId);
    return this.recommendations.recommendations({ crossingId, status }, limit);
  }

  /** The recommendation's plan as a SUMO traffic-light program (one signal index per approach). */
  async sumoProgram(recommendationId: string): Promise<string> {
    const recommendation = await this.recommendations.recommendationById(recommendationId);
    if (!recommendation) throw new NotFoundException(`recommendation ${recommendationId} does not exist`);
    const crossing = this.require(recommendation.crossingId);
    return toSumoProgramByApproach(
      { cycleSeconds: recommendation.cycleSeconds, phases: recommendation.phases },
      { tlsId: crossing.id, programId: `crosscast-rec-${recommendation.id}`, approachIds: crossing.approaches.map((a) => a.id) },
    );
  }

  async forCrossing(crossingId: string): Promise<CrossingRecommendationView> {
    this.require(crossingId);
    const [[pending], [latest], lastEvaluation, automatic] = await Promise.all([
      this.recommendations.recommendations({ crossingId, status: 'pending' }, 1),
      this.recommendations.recommendations({ crossingId }, 1),
      this.recommendations.lastEvaluation(crossingId),
      this.view(crossingId),
    ]);
    const { PLANNING_PERIOD_MINUTES, PLANNING_HORIZON_MINUTES } = this.planning.settings;
    return {
      crossingId,
      pending: pending ?? null,
      latest: latest ?? null,
      lastEvaluation,
      automatic,
      hysteresis: { ...this.planning.hysteresis, planningPeriodMinutes: PLANNING_PERIOD_MINUTES, planningHorizonMinutes: PLANNING_HORIZON_MINUTES },
    };
  }

  async view(crossingId: string): Promise<AutomaticModeView> {
    this.require(crossingId);
    const row = await this.recommendations.automaticSettings(crossingId);
    return {
      crossingId,
      enabled: row?.enabled ?? false,
      updatedBy: row?.updatedBy ?? null,
      updatedAt: row?.updatedAt?.toISOString() ?? null,
      lastAppliedPeriodStart: row?.lastAppliedPeriodStart?.toISOString() ?? null,
      guardRails: this.planning.guardRails,
    };
  }

  async set(crossingId: string, enabled: boolean, user: AuthenticatedUser): Promise<AutomaticModeView> {
    this.require(crossingId);
    if (enabled && !hasRole(user.role, 'admin')) throw new ForbiddenException('only an admin may turn automatic mode on (an operator may turn it off)');
    await this.recommendations.setAutomatic(crossingId, enabled, user.username, this.clock.now());
    const view = await this.view(crossingId);
    this.live.emit('automatic-mode', view);
    return view;
  }

  private require(id: string): CrossingDefinition {
    const crossing = this.city.get(id);
    if (!crossing) throw new NotFoundException(`crossing ${id} is not part of ${this.city.city.city}`);
    return crossing;
  }
}
