import type { ForecastMessage } from '@crosscast/contracts';

interface Waiting {
  message: ForecastMessage;
  /** Already stored before (a redelivery): always evaluated, it may have an unfinished automatic step to resume. */
  duplicate: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Plans from stored forecasts, one crossing at a time and up to `parallel` crossings side
 * by side, and lets a forecast's job finish only once its planning is done (so a crash
 * before that redelivers it and it is planned then).
 *
 * Planning is from each crossing's newest stored forecast, once per planning period
 * (RecommendationService.evaluateForecast answers 'older-forecast' for any forecast older
 * than the crossing's newest stored one). So when several newly stored forecasts of a
 * crossing wait together, only the newest is evaluated: the others would be 'older-forecast'
 * no-ops, and they are done when it is. Redeliveries (duplicates) are each evaluated, as
 * before. Under a backlog this keeps planning from capping ingestion at one evaluation per
 * forecast; in steady state it is one evaluation per forecast, as before.
 */
export class PlanningLanes {
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly running = new Set<string>();
  /** Crossings with waiting forecasts and no evaluation running, in arrival order (a Set keeps insertion order). */
  private readonly ready = new Set<string>();
  private active = 0;

  constructor(
    private readonly evaluate: (message: ForecastMessage) => Promise<unknown>,
    private readonly parallel: number,
  ) {}

  plan(message: ForecastMessage, duplicate: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const list = this.waiting.get(message.crossingId) ?? [];
      list.push({ message, duplicate, resolve, reject });
      this.waiting.set(message.crossingId, list);
      if (!this.running.has(message.crossingId)) this.ready.add(message.crossingId);
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < this.parallel && this.ready.size > 0) {
      const crossingId = this.ready.values().next().value as string;
      this.ready.delete(crossingId);
      const batch = this.waiting.get(crossingId) ?? [];
      this.waiting.delete(crossingId);
      if (batch.length === 0) continue;
      this.active++;
      this.running.add(crossingId);
      void this.run(batch).finally(() => {
        this.active--;
        this.running.delete(crossingId);
        if (this.waiting.has(crossingId)) this.ready.add(crossingId);
        this.pump();
      });
    }
  }

  private async run(batch: Waiting[]): Promise<void> {
    let newest: Waiting | null = null;
    for (const w of batch) if (!w.duplicate && (!newest || Date.parse(w.message.basedOnIntervalStart) >= Date.parse(newest.message.basedOnIntervalStart))) newest = w;
    // In arrival order: the redeliveries, and the newest newly stored forecast.
    const toEvaluate = batch.filter((w) => w.duplicate || w === newest);
    const covered = batch.filter((w) => !toEvaluate.includes(w));
    let coveringError: unknown = null;
    for (const w of toEvaluate) {
      try {
        await this.evaluate(w.message);
        w.resolve();
      } catch (error) {
        if (w === newest) coveringError = error;
        w.reject(error);
      }
    }
    for (const w of covered) {
      if (coveringError) w.reject(coveringError);
      else w.resolve();
    }
  }
}
