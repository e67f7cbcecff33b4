import { Injectable, Logger } from '@nestjs/common';
import { ForecastMessage } from '@crosscast/contracts';

type StoredListener = (message: ForecastMessage, receivedAt: Date) => void;

/**
 * What ingestion announces after each commit, for the stages that follow it to react to
 * (stored → fused → planned → published), instead of ingestion calling each of them:
 * - `forecastStored`: a forecast stored now for the first time (never for a redelivery),
 *   after its transaction committed. CityFusionService feeds its model (and the other
 *   instances, through the fusion feed; planning follows the model's onFed), and
 *   CrossingEventsService tells the crossing's followers.
 * - `batchWritten`: forecasts or heartbeats were written, so the city picture and the
 *   statuses the dashboards see may have moved (LiveUpdatesService).
 * Listeners run synchronously, in the order they subscribed; one that throws is logged and
 * does not keep the others from running (the data is stored either way).
 * It also counts the forecasts this instance has taken from the queue and not yet settled
 * (`forecastsInHand`): work that can wait, such as planning, waits while a burst is on its
 * way to PostgreSQL and the dashboards.
 */
@Injectable()
export class IngestEvents {
  private readonly logger = new Logger(IngestEvents.name);
  private readonly storedListeners: StoredListener[] = [];
  private readonly writtenListeners: Array<() => void> = [];
  private inHand = 0;

  /** Forecasts taken from the queue and not yet settled (stored, refused or failed) on this instance. */
  get forecastsInHand(): number {
    return this.inHand;
  }

  /** A forecast job was taken from the queue (QueueConsumers); `forecastSettled` follows it exactly once. */
  forecastTaken(): void {
    this.inHand++;
  }

  forecastSettled(): void {
    this.inHand = Math.max(0, this.inHand - 1);
  }

  onForecastStored(listener: StoredListener): void {
    this.storedListeners.push(listener);
  }

  onBatchWritten(listener: () => void): void {
    this.writtenListeners.push(listener);
  }

  forecastStored(message: ForecastMessage, receivedAt: Date): void {
    for (const listener of this.storedListeners) this.safely(() => listener(message, receivedAt), `forecast ${message.messageId}`);
  }

  batchWritten(): void {
    for (const listener of this.writtenListeners) this.safely(listener, 'a written batch');
  }

  private safely(run: () => void, what: string): void {
    try {
      run();
    } catch (error) {
      this.logger.warn(`a listener failed on ${what}: ${(error as Error).message}`);
    }
  }
}
