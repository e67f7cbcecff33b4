import type { AlertAcknowledgementView, AlertKind, CrossingStatusView, RecommendationView, StatusAlertKind } from '@crosscast/contracts';
import { ALERT_KINDS, DRIFT_ALERT_RATIO, alertKey, statusAlerts } from '@crosscast/contracts';

export { ALERT_KINDS, DRIFT_ALERT_RATIO, type AlertKind };

export interface Alert {
  /** Stable for one episode of the condition (kind, crossing, and where the episode began): acknowledging keys on it. */
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
 * never reported (unknown) are not alerted. Which alerts a status raises and their keys
 * (one per episode) are the contracts' `statusAlerts`, the same rule the server's tests use.
 */
export function deriveAlerts(input: AlertInputs): Alert[] {
  const alerts: Alert[] = [];
  for (const s of input.statuses) {
    const id = s.crossingId;
    const name = input.nameOf(id);
    for (const { kind, key } of statusAlerts(s)) alerts.push({ key, kind, crossingId: id, text: alertText(kind, name, s) });
  }
  for (const r of input.pending) {
    if (r.status !== 'pending') continue;
    alerts.push({ key: alertKey('pending', r.crossingId, r.id), kind: 'pending', crossingId: r.crossingId, text: `${input.nameOf(r.crossingId)}: recommendation #${r.id} waits for a decision (cycle ${Math.round(r.cycleSeconds)} s)` });
  }
  const rank = (k: AlertKind) => ALERT_KINDS.indexOf(k);
  return alerts.sort((a, b) => rank(a.kind) - rank(b.kind) || (a.crossingId < b.crossingId ? -1 : a.crossingId > b.crossingId ? 1 : 0));
}

function alertText(kind: StatusAlertKind, name: string, s: CrossingStatusView): string {
  switch (kind) {
    case 'offline':
    case 'stale':
      return `${name}: worker ${kind}, estimated from profile and neighbours`;
    case 'degraded':
      return `${name}: worker degraded`;
    case 'drift':
      // The ratio comes with the full status (the followed crossing, the snapshot); summaries carry only the verdict.
      return `${name}: model drift${s.drift ? ` ×${s.drift.ratio.toFixed(2)}` : ''} (recent error over ${DRIFT_ALERT_RATIO}× validation)`;
    case 'congestion':
      return `${name}: congested, forecast demand near or over capacity (${s.congestion?.reason ?? 'newest planning evaluation'})`;
  }
}

/**
 * Acknowledged alerts, shared by every operator: loaded from the server
 * (GET /api/alert-acknowledgements) and kept current by the `alert-acknowledged` event.
 * An alert whose condition ends and starts again (a new episode) has a new key and shows again.
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
