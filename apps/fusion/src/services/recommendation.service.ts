import { Injectable } from '@nestjs/common';
import { CrossingDefinition, ForecastMessage, PhaseTimingView } from '@crosscast/contracts';
import { DEFAULT_PHASING, DEFAULT_WEBSTER, TimingPlan, twoPhaseDemand, websterPlan } from '@crosscast/signal-timing';

/**
 * Turns a crossing's forecast into a first timing recommendation: each approach's flow
 * over the forecast hour (the mean of its horizons, scaled to vehicles per hour), a
 * two-phase split by axis, Webster's cycle and greens. Saturation flow, lanes and lost
 * times are the stated defaults of libs/signal-timing.
 */
@Injectable()
export class RecommendationService {
  readonly assumptions = { ...DEFAULT_PHASING, ...DEFAULT_WEBSTER };

  planFor(crossing: CrossingDefinition, forecast: ForecastMessage): TimingPlan & { phases: PhaseTimingView[] } {
    const perHour = 60 / forecast.intervalMinutes;
    const approaches = crossing.approaches.map((approach) => {
      const means = forecast.horizons.map((h) => h.approaches[approach.id]?.mean ?? 0);
      const flow = (means.reduce((s, m) => s + m, 0) / Math.max(1, means.length)) * perHour;
      return { id: approach.id, direction: approach.direction, flowVehPerHour: flow };
    });
    const plan = websterPlan(twoPhaseDemand(approaches));
    return {
      ...plan,
      phases: plan.phases.map((p) => ({ ...p, flowVehPerHour: Math.round(p.flowVehPerHour), flowRatio: Math.round(p.flowRatio * 1000) / 1000 })),
    };
  }
}
