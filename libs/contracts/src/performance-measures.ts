import { z } from 'zod/v4';
import { ApproachIdSchema, CrossingIdSchema, InstantSchema } from './ids';

/**
 * ATSPM performance measures (issue 14 part 4): the signed message the simulator sends
 * with its signals' controller event logs, and the view types REST serves and the
 * dashboard draws (Purdue Coordination Diagram, split monitor). Definitions are in
 * `libs/performance-measures` and the README's "Performance measures" section.
 */

/** BullMQ queue carrying SignalEventLogMessage jobs from the simulator (simulate mode) to the fusion service. */
export const SIGNAL_EVENT_LOG_QUEUE = 'crosscast-signal-events';

/** At most this many events per message (one crossing, one interval: about 2 per vehicle plus 4 per phase per cycle). */
export const MAX_EVENTS_PER_LOG = 100_000;

export const DetectorChannelSchema = z
  .object({
    channel: z.number().int().min(1).max(9999),
    approachId: ApproachIdSchema,
    /** Phase (1-based, as controllers number them) the channel's vehicles are served by. */
    phase: z.number().int().min(1).max(40).nullable(),
    kind: z.enum(['advance', 'stop-bar', 'count']),
    /** Free-flow seconds from the detector to the stop line (ATSPM moves arrivals by it). */
    travelSeconds: z.number().finite().min(0).max(120),
  })
  .strict();
export type DetectorChannelConfig = z.infer<typeof DetectorChannelSchema>;

/**
 * Simulator → fusion (SIGNAL_EVENT_LOG_QUEUE): one crossing's controller event log for
 * one simulated interval, in the Indiana enumerations (1 begin green, 4/5/6 gap out / max
 * out / force off, 8 begin yellow, 10 begin red clearance, 11 end red clearance, 81/82
 * detector off/on). `events` rows are [ms after intervalStart, code, parameter]; an event
 * belongs to the interval it happened in, so consecutive messages never repeat one.
 */
const SignalEventLogObject = z
  .object({
    v: z.literal(1),
    runId: z.string().min(1).max(96),
    crossingId: CrossingIdSchema,
    intervalStart: InstantSchema,
    intervalMinutes: z.number().int().min(1).max(60),
    channels: z.array(DetectorChannelSchema).min(1).max(256),
    events: z
      .array(z.tuple([z.number().int().min(0).max(3_600_000), z.number().int().min(0).max(255), z.number().int().min(0).max(9999)]))
      .max(MAX_EVENTS_PER_LOG),
  })
  .strict();

function refineEventLog(m: z.infer<typeof SignalEventLogObject>, ctx: z.RefinementCtx): void {
  const span = m.intervalMinutes * 60_000;
  const bad = m.events.findIndex((e) => e[0] >= span);
  if (bad >= 0) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['events', bad, 0], message: `must fall inside the ${m.intervalMinutes}-minute interval` });
  const channels = new Set<number>();
  m.channels.forEach((c, i) => {
    if (channels.has(c.channel)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['channels', i, 'channel'], message: 'channel listed twice' });
    channels.add(c.channel);
  });
}

export const SignalEventLogMessageSchema = SignalEventLogObject.superRefine(refineEventLog);
export type SignalEventLogMessage = z.infer<typeof SignalEventLogMessageSchema>;

/** As it travels: signed by the simulator with the simulator link key (HMAC-SHA256, see signing.ts). */
export const SignedSignalEventLogMessageSchema = SignalEventLogObject.extend({ sig: z.string().regex(/^[0-9a-f]{64}$/, 'must be the hex HMAC-SHA256 signature of the message') }).superRefine(refineEventLog);
export type SignedSignalEventLogMessage = z.infer<typeof SignedSignalEventLogMessageSchema>;

export type PhaseTerminationView = 'gap-out' | 'max-out' | 'force-off' | 'unknown';

/** Split monitor, one green. */
export interface SplitMonitorGreenView {
  greenStart: string;
  greenSeconds: number;
  yellowSeconds: number | null;
  redClearanceSeconds: number | null;
  cycleSeconds: number | null;
  termination: PhaseTerminationView;
}

/** Split monitor and phase termination of one phase over the window. */
export interface SplitMonitorPhaseView {
  phase: number;
  cycles: number;
  meanGreenSeconds: number;
  p85GreenSeconds: number;
  meanCycleSeconds: number | null;
  gapOutShare: number;
  maxOutShare: number;
  forceOffShare: number;
  unknownShare: number;
  greens: SplitMonitorGreenView[];
}

export interface ArrivalsOnGreenView {
  phase: number;
  cycles: number;
  arrivals: number;
  arrivalsOnGreen: number;
  aogShare: number | null;
  greenShare: number | null;
  platoonRatio: number | null;
}

/** One red-to-red cycle of the Purdue Coordination Diagram; seconds are after cycleStart. */
export interface PcdCycleView {
  cycleStart: string;
  cycleSeconds: number;
  greenAtSeconds: number | null;
  yellowAtSeconds: number | null;
  arrivalsSeconds: number[];
}

export interface PcdPhaseView {
  phase: number;
  cycles: PcdCycleView[];
}

export interface SplitFailureGreenView {
  greenStart: string;
  greenOccupancy: number;
  redOccupancy: number;
  failed: boolean;
}

export interface SplitFailuresView {
  phase: number;
  cycles: number;
  failures: number;
  failureShare: number | null;
  greens: SplitFailureGreenView[];
}

export interface ApproachVolumeView {
  approachId: string;
  total: number;
  vehPerHour: number;
  bins: Array<{ start: string; count: number }>;
}

/** GET /api/crossings/:id/measures: everything for one crossing over [from, to). */
export interface CrossingMeasuresView {
  crossingId: string;
  from: string;
  to: string;
  binMinutes: number;
  /** Events the measures were computed from (the window plus a margin either side for whole cycles). */
  events: number;
  channels: DetectorChannelConfig[];
  splitMonitor: SplitMonitorPhaseView[];
  arrivalsOnGreen: ArrivalsOnGreenView[];
  pcd: PcdPhaseView[];
  splitFailures: SplitFailuresView[];
  approachVolumes: ApproachVolumeView[];
}

/** REST path of the measures (the dashboard fetches it with from/to query parameters). */
export const crossingMeasuresPath = (crossingId: string) => `/api/crossings/${encodeURIComponent(crossingId)}/measures`;
