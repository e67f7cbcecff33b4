import type { CrossingStatusView, RecommendationView } from '@crosscast/contracts';

/** What an operator is alerted to, most severe first. */
export const ALERT_KINDS = ['offline', 'stale', 'degraded', 'drift', 'pending'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

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
 * drifting models, then recommendations waiting for a decision. Within a kind, by crossing
 * id. Crossings that never reported (unknown) are not alerted.
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
  }
  for (const r of input.pending) {
    if (r.status !== 'pending') continue;
    alerts.push({ key: `pending:${r.crossingId}:${r.id}`, kind: 'pending', crossingId: r.crossingId, text: `${input.nameOf(r.crossingId)}: recommendation #${r.id} waits for a decision (cycle ${Math.round(r.cycleSeconds)} s)` });
  }
  const rank = (k: AlertKind) => ALERT_KINDS.indexOf(k);
  return alerts.sort((a, b) => rank(a.kind) - rank(b.kind) || (a.crossingId < b.crossingId ? -1 : a.crossingId > b.crossingId ? 1 : 0));
}

/**
 * Acknowledged alerts, kept in this browser (localStorage): acknowledging is per operator
 * workstation, not shared with other dashboards. An alert whose condition ends and starts
 * again has a new key and shows again.
 */
export class Acknowledgements {
  private readonly keys: Set<string>;
  constructor(private readonly storageKey = 'crosscast.acknowledged') {
    let saved: unknown = [];
    try {
      saved = JSON.parse(localStorage.getItem(storageKey) ?? '[]');
    } catch {
      saved = [];
    }
    this.keys = new Set(Array.isArray(saved) ? saved.filter((k): k is string => typeof k === 'string') : []);
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    this.keys.add(key);
    // Bounded: the newest 2,000 acknowledgements.
    const list = [...this.keys].slice(-2000);
    localStorage.setItem(this.storageKey, JSON.stringify(list));
  }
}
