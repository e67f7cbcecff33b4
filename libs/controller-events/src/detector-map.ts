import { ApproachIdSchema, CrossingIdSchema } from '@crosscast/contracts';

/**
 * Which approach each detector channel counts for. Controller logs do not carry it (it is
 * the controller's configuration), so it is a separate, documented input:
 *
 *   { "signals": { "7115": { "crossing": "7115",
 *       "detectors": { "2": { "approach": "7115:NB", "phase": 2, "kind": "advance" } } } } }
 *
 * - `crossing`: the Crosscast crossing id of the signal (default: the signal id).
 * - `approach`: the approach id the channel's vehicles are counted for; several channels
 *   (lanes) may name one approach, their counts add up.
 * - `phase` (optional): the phase serving the channel, for arrivals on green and the
 *   Purdue Coordination Diagram.
 * - `kind` (optional): `advance` (upstream, for arrivals), `stop-bar` (occupancy, split
 *   failures) or `count` (the default).
 */
export type DetectorKind = 'advance' | 'stop-bar' | 'count';

export interface DetectorChannel {
  channel: number;
  approachId: string;
  phase: number | null;
  kind: DetectorKind;
}

export interface SignalDetectors {
  signalId: string;
  crossingId: string;
  channels: Map<number, DetectorChannel>;
}

export type DetectorMap = Map<string, SignalDetectors>;

export class DetectorMapError extends Error {
  override name = 'DetectorMapError';
}

const KINDS: readonly DetectorKind[] = ['advance', 'stop-bar', 'count'];

/** Validates a parsed detector map; every problem is named with its path. */
export function parseDetectorMap(json: unknown): DetectorMap {
  const problems: string[] = [];
  const map: DetectorMap = new Map();
  const signals = (json as { signals?: unknown } | null)?.signals;
  if (!signals || typeof signals !== 'object' || Array.isArray(signals)) throw new DetectorMapError('detector map: expected {"signals": {"<signal id>": {"crossing": "...", "detectors": {"<channel>": {"approach": "..."}}}}}');
  for (const [signalId, raw] of Object.entries(signals as Record<string, unknown>)) {
    const where = `signals.${signalId}`;
    const entry = raw as { crossing?: unknown; detectors?: unknown } | null;
    if (!entry || typeof entry !== 'object') {
      problems.push(`${where}: expected an object`);
      continue;
    }
    const crossingId = entry.crossing === undefined ? signalId : entry.crossing;
    if (typeof crossingId !== 'string' || !CrossingIdSchema.safeParse(crossingId).success) problems.push(`${where}.crossing: "${String(crossingId)}" is not a crossing id (1-32 letters, digits, "-" or "_")`);
    const detectors = entry.detectors;
    if (!detectors || typeof detectors !== 'object' || Array.isArray(detectors) || Object.keys(detectors).length === 0) {
      problems.push(`${where}.detectors: expected at least one channel, {"<channel>": {"approach": "..."}}`);
      continue;
    }
    const channels = new Map<number, DetectorChannel>();
    for (const [channelText, rawChannel] of Object.entries(detectors as Record<string, unknown>)) {
      const at = `${where}.detectors.${channelText}`;
      const channel = Number(channelText);
      if (!/^\d{1,4}$/.test(channelText) || channel < 1) {
        problems.push(`${at}: the channel must be a whole number from 1`);
        continue;
      }
      const value = rawChannel as { approach?: unknown; phase?: unknown; kind?: unknown } | null;
      const approachId = value?.approach;
      if (typeof approachId !== 'string' || !ApproachIdSchema.safeParse(approachId).success) problems.push(`${at}.approach: "${String(approachId)}" is not an approach id (1-48 letters, digits, ":", ".", "-" or "_")`);
      const phase = value?.phase ?? null;
      if (phase !== null && !(Number.isInteger(phase) && (phase as number) >= 1 && (phase as number) <= 40)) problems.push(`${at}.phase: must be a phase number 1-40`);
      const kind = value?.kind ?? 'count';
      if (!KINDS.includes(kind as DetectorKind)) problems.push(`${at}.kind: must be one of ${KINDS.join(', ')}`);
      channels.set(channel, { channel, approachId: approachId as string, phase: phase as number | null, kind: kind as DetectorKind });
    }
    map.set(signalId, { signalId, crossingId: crossingId as string, channels });
  }
  if (problems.length) throw new DetectorMapError(`detector map: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  return map;
}
