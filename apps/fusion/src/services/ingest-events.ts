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
 */
@Injectable()
export class IngestEvents {
  private readonly logger = new Logger(IngestEvents.name);
  private readonly storedListeners: StoredListener[] = [];
  private readonly writtenListeners: Array<() => void> = [];

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
