import { DEV_WORKER_KEY_SEED, ForecastMessage, HeartbeatMessage, UnsignedForecastMessage, deriveSimulatorLinkKey, deriveWorkerKey, signMessage, timingPlanJobId } from '@crosscast/contracts';

/** Signs as the crossing's worker does in local development (keys derived from the dev seed). */
export function signedAsWorker<T extends { crossingId: string }>(message: T, seed = DEV_WORKER_KEY_SEED): T & { sig: string } {
  const { sig: _old, ...unsigned } = message as T & { sig?: string };
  return signMessage(unsigned as T, deriveWorkerKey(seed, message.crossingId));
}

export function heartbeatMessage(crossingId: string, overrides: Partial<HeartbeatMessage> = {}): HeartbeatMessage {
  return signedAsWorker({
    v: 1 as const,
    crossingId,
    seq: 1,
    sentAt: new Date().toISOString(),
    status: 'ok' as const,
    model: null,
    historyIntervals: 10,
    lastIntervalStart: null,
    training: false,
    bufferedMessages: 0,
    ...overrides,
  });
}

/** A valid, signed forecast message for a crossing, as an edge worker would send it. */
export function forecastMessage(crossingId: string, approachIds: string[], basedOn: string, overrides: Partial<UnsignedForecastMessage> = {}): ForecastMessage {
  const basedOnMs = Date.parse(basedOn);
  const basedOnIso = new Date(basedOnMs).toISOString();
  const band = (mean: number) => ({ mean, lower80: mean * 0.8, upper80: mean * 1.2, lower95: mean * 0.7, upper95: mean * 1.3 });
  return signedAsWorker<UnsignedForecastMessage>({
    v: 1,
    messageId: `${crossingId}:${basedOnIso}`,
    crossingId,
    seq: 7,
    sentAt: new Date().toISOString(),
    basedOnIntervalStart: basedOnIso,
    intervalMinutes: 15,
    model: { name: 'residual-ensemble', version: 1, backend: 'wasm', trainedOnIntervals: 672 },
    horizons: [1, 2, 3, 4].map((step) => ({
      stepsAhead: step,
      horizonMinutes: step * 15,
      intervalStart: new Date(basedOnMs + step * 15 * 60_000).toISOString(),
      total: band(100 * approachIds.length + step),
      approaches: Object.fromEntries(approachIds.map((id, a) => [id, band(100 + step + (a === 0 ? 50 : 0))])),
    })),
    observed: { intervalStart: basedOnIso, total: 100 * approachIds.length, approaches: Object.fromEntries(approachIds.map((id) => [id, 100])), filledShare: 0 },
    quality: { realInputShare: 1, flags: [] },
    ...overrides,
  });
}

/** The development simulator link key (fusion and simulator derive it from the dev seed). */
export const DEV_SIMULATOR_LINK_KEY = deriveSimulatorLinkKey(DEV_WORKER_KEY_SEED);

/** The BullMQ job id fusion gives a timing plan in development. */
export const devPlanJobId = (planId: string) => timingPlanJobId(planId, DEV_SIMULATOR_LINK_KEY);

/** A message signed as the simulator signs its reports in development. */
export function signedAsSimulator<T extends object>(message: T, key: Buffer = DEV_SIMULATOR_LINK_KEY): T & { sig: string } {
  const { sig: _old, ...unsigned } = message as T & { sig?: string };
  return signMessage(unsigned as T, key);
}
