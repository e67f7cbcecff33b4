import type { AlertAcknowledgementView, AlertKind, CrossingStatusView, RecommendationView } from '@crosscast/contracts';
import { ALERT_KINDS } from '@crosscast/contracts';

export { ALERT_KINDS, type AlertKind };

/** A worker's recent 1-step error this many times its validation error is "drifting". */
export const DRIFT_ALERT_RATIO = 1.5;

export interface Alert {
  /** Stable while the condition lasts (kind, crossing, and since when): acknowledging keys on it. */
  key: string;
  kind: AlertKind;
  crossingId: string;
  text: string;
}

export interface AlertInputs {
  statuses: Iterable<CrossingStatusView>;
  pending: Iterable<RecommendationView>;
  nameOf: (id: string) => string;
}

/**
 * The alerts list: offline, then stale workers (fusion estimates them), degraded workers,
 * drifting models, congested crossings (the server's verdict, `status.congestion`), then
 * recommendations waiting for a decision. Within a kind, by crossing id. Crossings that
 * never reported (unknown) are not alerted.
 */
export function deriveAlerts(input: AlertInputs): Alert[] {
  const alerts: Alert[] = [];
  for (const s of input.statuses) {
    const id = s.crossingId;
    const since = s.lastForecastIntervalStart ?? 'never';
    if (s.freshness === 'offline' || s.freshness === 'stale') {
      alerts.push({ key: `${s.freshness}:${id}:${since}`, kind: s.freshness, crossingId: id, text: `${input.nameOf(id)}: worker ${s.freshness}, estimated from profile and neighbours` });
    } else if (s.workerStatus === 'degraded') {
      alerts.push({ key: `degraded:${id}:${since}`, kind: 'degraded', crossingId: id, text: `${input.nameOf(id)}: worker degraded` });
    }
    if (s.drift && s.drift.ratio > DRIFT_ALERT_RATIO) {
      alerts.push({ key: `drift:${id}`, kind: 'drift', crossingId: id, text: `${input.nameOf(id)}: model drift ×${s.drift.ratio.toFixed(2)} (recent error against validation)` });
    }
    if (s.congestion) {
      alerts.push({ key: `congestion:${id}:${s.congestion.since}`, kind: 'congestion', crossingId: id, text: `${input.nameOf(id)}: congested, forecast demand near or over capacity (${s.congestion.reason})` });
    }
  }
  for (const r of input.pending) {
    if (r.status !== 'pending') continue;
    alerts.push({ key: `pending:${r.crossingId}:${r.id}`, kind: 'pending', crossingId: r.crossingId, text: `${input.nameOf(r.crossingId)}: recommendation #${r.id} waits for a decision (cycle ${Math.round(r.cycleSeconds)} s)` });
  }
  const rank = (k: AlertKind) => ALERT_KINDS.indexOf(k);
  return alerts.sort((a, b) => rank(a.kind) - rank(b.kind) || (a.crossingId < b.crossingId ? -1 : a.crossingId > b.crossingId ? 1 : 0));
}

/**
 * Acknowledged alerts, shared by every operator: loaded from the server
 * (GET /api/alert-acknowledgements) and kept current by the `alert-acknowledged` event.
 * An alert whose condition ends and starts again has a new key and shows again.
 */
export class Acknowledgements {
  private readonly byKey = new Map<string, AlertAcknowledgementView>();

  get(key: string): AlertAcknowledgementView | undefined {
    return this.byKey.get(key);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Returns whether it was new here. Bounded: the newest 5,000 are kept. */
  add(ack: AlertAcknowledgementView): boolean {
    if (this.byKey.has(ack.alertKey)) return false;
    this.byKey.set(ack.alertKey, ack);
    if (this.byKey.size > 5000) this.byKey.delete(this.byKey.keys().next().value as string);
    return true;
  }
}
