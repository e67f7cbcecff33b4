import { z } from 'zod/v4';
import { ApproachIdSchema, CrossingIdSchema, InstantSchema } from './ids';

const MAX_APPROACHES = 16;
/** HMAC-SHA256 of the message's canonical encoding with the crossing's key (see signing.ts). */
const SignatureSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be the hex HMAC-SHA256 signature of the message');
/** 15-minute counts above this are physically impossible for one approach (about 4 lanes at saturation). */
export const MAX_COUNT_PER_INTERVAL = 2000;

const countOrNull = z.number().int().min(0).max(1_000_000).nullable();
const approachRecord = <T extends z.ZodTypeAny>(value: T) =>
  z
    .record(ApproachIdSchema, value)
    .refine((r) => Object.keys(r).length >= 1 && Object.keys(r).length <= MAX_APPROACHES, {
      message: `must name between 1 and ${MAX_APPROACHES} approaches`,
    });

/**
 * One finished interval of one crossing's detectors, as the street (simulator or a real
 * controller) delivers it on the crossing's own detector stream. `null` = the detector
 * reported nothing. Raw counts are not range-checked here: cleaning them is the worker's
 * job, and a faulty detector must not take the feed down.
 */
export const DetectorReadingSchema = z
  .object({
    v: z.literal(1),
    crossingId: CrossingIdSchema,
    intervalStart: InstantSchema,
    intervalMinutes: z.number().int().min(1).max(60),
    counts: z.record(ApproachIdSchema, z.number().finite().nullable()),
  })
  .strict();
export type DetectorReading = z.infer<typeof DetectorReadingSchema>;

/** A forecast with its central value and 80% / 95% prediction intervals (vehicles per interval). */
export const ForecastBandSchema = z
  .object({
    mean: z.number().finite().min(0),
    lower80: z.number().finite().min(0),
    upper80: z.number().finite().min(0),
    lower95: z.number().finite().min(0),
    upper95: z.number().finite().min(0),
  })
  .strict()
  .refine((b) => b.lower95 <= b.lower80 && b.lower80 <= b.mean && b.mean <= b.upper80 && b.upper80 <= b.upper95, {
    message: 'bands must be ordered lower95 <= lower80 <= mean <= upper80 <= upper95',
  });
export type ForecastBand = z.infer<typeof ForecastBandSchema>;

export const ModelInfoSchema = z
  .object({
    name: z.string().min(1).max(64),
    version: z.number().int().min(0),
    backend: z.string().min(1).max(32),
    trainedOnIntervals: z.number().int().min(0),
  })
  .strict();
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

export const HorizonForecastSchema = z
  .object({
    stepsAhead: z.number().int().min(1).max(96),
    horizonMinutes: z.number().int().min(1).max(24 * 60),
    intervalStart: InstantSchema,
    total: ForecastBandSchema,
    approaches: approachRecord(ForecastBandSchema),
  })
  .strict();
export type HorizonForecast = z.infer<typeof HorizonForecastSchema>;

/** What the worker observed in the interval that just finished, after cleaning. */
export const ObservedIntervalSchema = z
  .object({
    intervalStart: InstantSchema,
    total: countOrNull,
    approaches: approachRecord(countOrNull),
    /** Share of this interval's approach values that were filled in by cleaning (0 = all real). */
    filledShare: z.number().min(0).max(1),
  })
  .strict();
export type ObservedInterval = z.infer<typeof ObservedIntervalSchema>;

/**
 * Edge worker → fusion (FORECAST_QUEUE). One message per crossing per finished interval;
 * `messageId` is `<crossingId>:<basedOnIntervalStart>` so a redelivery or a re-send after a
 * restart is recognised and stored once.
 */
export const ForecastMessageSchema = z
  .object({
    v: z.literal(1),
    messageId: z.string().min(3).max(96),
    crossingId: CrossingIdSchema,
    seq: z.number().int().min(0),
    sentAt: InstantSchema,
    basedOnIntervalStart: InstantSchema,
    intervalMinutes: z.number().int().min(1).max(60),
    model: ModelInfoSchema,
    horizons: z.array(HorizonForecastSchema).min(1).max(96),
    observed: ObservedIntervalSchema,
    /**
     * Observations of intervals finished since the worker's previous forecast (after a
     * backlog or restart a worker forecasts once, from the newest interval, but every
     * interval's observed totals still reach the city). Oldest first.
     */
    earlierObserved: z.array(ObservedIntervalSchema).max(96).optional(),
    quality: z
      .object({
        /** Share of the model's input values that were real readings rather than filled. */
        realInputShare: z.number().min(0).max(1),
        flags: z.array(z.string().max(64)).max(32),
      })
      .strict(),
    sig: SignatureSchema,
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.messageId !== `${m.crossingId}:${m.basedOnIntervalStart}`) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['messageId'], message: 'must equal "<crossingId>:<basedOnIntervalStart>"' });
    }
    const basedOnMs = Date.parse(m.basedOnIntervalStart);
    for (const [i, earlier] of (m.earlierObserved ?? []).entries()) {
      if (!(Date.parse(earlier.intervalStart) < basedOnMs)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['earlierObserved', i, 'intervalStart'], message: 'must be before basedOnIntervalStart' });
      }
    }
    if (m.observed.intervalStart !== m.basedOnIntervalStart) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['observed', 'intervalStart'], message: 'must equal basedOnIntervalStart' });
    }
    const steps = new Set<number>();
    for (const [i, h] of m.horizons.entries()) {
      if (steps.has(h.stepsAhead)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['horizons', i, 'stepsAhead'], message: 'duplicate horizon' });
      }
      steps.add(h.stepsAhead);
      if (h.horizonMinutes !== h.stepsAhead * m.intervalMinutes) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['horizons', i, 'horizonMinutes'], message: 'must equal stepsAhead * intervalMinutes' });
      }
    }
  });
export type ForecastMessage = z.infer<typeof ForecastMessageSchema>;
/** A forecast as a worker builds it, before its publisher signs it. */
export type UnsignedForecastMessage = Omit<ForecastMessage, 'sig'>;

export const WorkerStatusSchema = z.enum(['starting', 'warming-up', 'ok', 'degraded']);
export type WorkerStatus = z.infer<typeof WorkerStatusSchema>;

export const WorkerDriftSchema = z
  .object({ recentMae: z.number().min(0), validationMae: z.number().min(0), ratio: z.number().min(0), samples: z.number().int().min(0) })
  .strict();
export type WorkerDrift = z.infer<typeof WorkerDriftSchema>;

/**
 * What the worker's cleaning did to its history: the share of cells per reason (real,
 * missing, invalid, over-capacity, over-history, stuck-zero, outage) and the share of
 * reported readings it dropped. Nothing is dropped without being counted here.
 */
export const WorkerCleaningSchema = z
  .object({
    cells: z.number().int().min(0),
    shares: z.record(z.string().regex(/^[a-z-]{1,24}$/), z.number().min(0).max(1)).refine((r) => Object.keys(r).length <= 16, { message: 'at most 16 reasons' }),
    droppedShare: z.number().min(0).max(1),
  })
  .strict();
export type WorkerCleaning = z.infer<typeof WorkerCleaningSchema>;

/** Edge worker → fusion (HEARTBEAT_QUEUE), every few seconds of wall time. */
export const HeartbeatMessageSchema = z
  .object({
    v: z.literal(1),
    crossingId: CrossingIdSchema,
    seq: z.number().int().min(0),
    sentAt: InstantSchema,
    status: WorkerStatusSchema,
    model: ModelInfoSchema.nullable(),
    historyIntervals: z.number().int().min(0),
    lastIntervalStart: InstantSchema.nullable(),
    training: z.boolean(),
    bufferedMessages: z.number().int().min(0),
    /** The model's recent 1-step error on the crossing total against its validation error. */
    drift: WorkerDriftSchema.nullable().optional(),
    /** Optional (older workers do not send it): the cleaning tally of the worker's history. */
    cleaning: WorkerCleaningSchema.nullable().optional(),
    sig: SignatureSchema,
  })
  .strict();
export type HeartbeatMessage = z.infer<typeof HeartbeatMessageSchema>;
export type UnsignedHeartbeatMessage = Omit<HeartbeatMessage, 'sig'>;

/**
 * Fusion → simulator (TIMING_PLAN_QUEUE): a plan an operator accepted. `effectiveFrom` is
 * always `next-cycle-boundary`: the receiver lets the cycle that is running when the
 * message arrives finish, then runs this plan from the start of its next cycle (never a
 * cut in the middle of a green). `acceptedAt` is wall-clock time; the simulator's replay
 * clock is accelerated, so it does not schedule by it. A phase may serve no detected
 * approach (a side street without detectors still gets its minimum green).
 */
export const TimingPlanMessageSchema = z
  .object({
    v: z.literal(1),
    crossingId: CrossingIdSchema,
    /** `rec-<recommendationId>`: one plan per accepted recommendation (the BullMQ job id too). */
    planId: z.string().min(1).max(96),
    recommendationId: z.string().regex(/^\d{1,18}$/),
    cycleSeconds: z.number().min(20).max(300),
    phases: z
      .array(z.object({ name: z.string().min(1).max(32), approaches: z.array(ApproachIdSchema).max(16), greenSeconds: z.number().min(1).max(300) }).strict())
      .min(1)
      .max(8),
    /** Username of the operator who accepted it. */
    acceptedBy: z.string().min(1).max(64),
    acceptedAt: InstantSchema,
    /** A crossing's plan starts at its next cycle boundary; a corridor's at the next boundary of the common cycle (counted from local midnight). */
    effectiveFrom: z.enum(['next-cycle-boundary', 'common-cycle-boundary']),
    /** A corridor's coordinated-actuated plan: run it actuated within these splits, its reference point at offsetSeconds. */
    coordination: z
      .object({
        corridorRecommendationId: z.string().regex(/^\d{1,18}$/),
        offsetSeconds: z.number().min(0).max(300),
        coordinatedPhase: z.string().min(1).max(32),
        splitSeconds: z.array(z.number().min(1).max(300)).min(1).max(8),
        minGreenSeconds: z.number().min(1).max(60),
        passageSeconds: z.number().min(0.5).max(10),
        amberSeconds: z.number().min(0).max(10),
        allRedSeconds: z.number().min(0).max(10),
      })
      .strict()
      .optional(),
    /** Free operation advised for a group's crossing: run the actuated controller (no cycle) with these settings from the next boundary (never with `coordination`: the receiver refuses both). */
    actuated: z
      .object({
        corridorRecommendationId: z.string().regex(/^\d{1,18}$/),
        minGreenSeconds: z.number().min(1).max(60),
        maxGreenSeconds: z.number().min(1).max(300),
        passageSeconds: z.number().min(0.5).max(10),
        amberSeconds: z.number().min(0).max(10),
        allRedSeconds: z.number().min(0).max(10),
      })
      .strict()
      .optional(),
  })
  .strict();
export type TimingPlanMessage = z.infer<typeof TimingPlanMessageSchema>;

/** A timing plan as it travels: signed by fusion with the simulator link key (HMAC-SHA256, see signing.ts). */
export const SignedTimingPlanMessageSchema = TimingPlanMessageSchema.extend({ sig: SignatureSchema });
export type SignedTimingPlanMessage = z.infer<typeof SignedTimingPlanMessageSchema>;

const nonNegative = z.number().finite().min(0);

/** One crossing's figures over one simulated interval. */
export const SimulatedCrossingFiguresSchema = z
  .object({
    crossingId: CrossingIdSchema,
    /** Vehicles over the crossing's stop lines in the interval. */
    throughput: nonNegative,
    /** Stop-line delay (time held beyond free flow) per vehicle counted, seconds. */
    meanDelaySeconds: nonNegative,
    /** Vehicles held more than a second at the stop line, per vehicle counted. */
    stopsPerVehicle: nonNegative,
    /** Vehicles queued at the crossing's stop lines (all approaches), time-averaged. */
    meanQueue: nonNegative,
    /** Longest queue on one approach during the interval, vehicles. */
    maxQueue: nonNegative,
    /** The timing plan in force at the end of the interval. */
    planId: z.string().min(1).max(96),
  })
  .strict();
export type SimulatedCrossingFigures = z.infer<typeof SimulatedCrossingFiguresSchema>;

/**
 * Simulator → fusion (SIMULATION_REPORT_QUEUE): what the simulated street did in one
 * interval, per crossing and for the city, in simulate mode.
 */
export const SimulationReportSchema = z
  .object({
    v: z.literal(1),
    /** "boroondara", "grid:4x4". */
    network: z.string().min(1).max(64),
    runId: z.string().min(1).max(96),
    intervalStart: InstantSchema,
    intervalMinutes: z.number().int().min(1).max(60),
    crossings: z.array(SimulatedCrossingFiguresSchema).min(1).max(10_000),
    city: z
      .object({
        throughput: nonNegative,
        meanDelaySeconds: nonNegative,
        stopsPerVehicle: nonNegative,
        /** Sum over crossings of their mean queues. */
        meanQueue: nonNegative,
        maxQueue: nonNegative,
        /** Trips that left the network in the interval, and their mean delay against free flow. */
        tripsCompleted: nonNegative,
        meanTripDelaySeconds: nonNegative,
        vehiclesInside: nonNegative,
        /** Vehicles waiting outside a full entry link. */
        vehiclesWaitingToEnter: nonNegative,
      })
      .strict(),
  })
  .strict();
export type SimulationReport = z.infer<typeof SimulationReportSchema>;

/** A simulation report as it travels: signed by the simulator with the simulator link key. */
export const SignedSimulationReportSchema = SimulationReportSchema.extend({ sig: SignatureSchema });
export type SignedSimulationReport = z.infer<typeof SignedSimulationReportSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Validates `input` and turns the first few schema issues into one readable reason. */
export function parseMessage<T>(schema: z.ZodType<T>, input: unknown): ParseResult<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const reason = readableIssues(result.error.issues)
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(message)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason };
}

/**
 * A record key that fails its schema is one "Invalid key in record" issue holding the key
 * schema's own issues: those say what is wrong (as "approach id must be …"), at the key's path.
 */
function readableIssues(issues: readonly z.core.$ZodIssue[]): Array<{ path: PropertyKey[]; message: string }> {
  return issues.flatMap((issue) =>
    issue.code === 'invalid_key' && issue.issues.length > 0 ? issue.issues.map((inner) => ({ path: [...issue.path, ...inner.path], message: inner.message })) : [{ path: issue.path, message: issue.message }],
  );
}
