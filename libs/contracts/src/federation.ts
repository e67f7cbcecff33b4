import { z } from 'zod';
import { CrossingIdSchema, InstantSchema } from './ids';

/**
 * Federated warm start (see libs/forecasting/src/federated.ts for the maths). Workers send
 * the transferable part of their trained model (weights, error statistics, a unit-free
 * week shape: never counts) on MODEL_SNAPSHOT_QUEUE; a new worker asks fusion for the
 * average of the other crossings' snapshots with a signed GET on FEDERATION_PATHS.warmStart.
 * These schemas bound sizes and check that every number is finite; the forecasting lib's
 * snapshotProblems() checks shapes and architecture.
 */

/** BullMQ queue carrying ModelSnapshotMessage jobs from edge workers to the fusion service. */
export const MODEL_SNAPSHOT_QUEUE = 'crosscast-model-snapshots';

export const FEDERATION_PATHS = {
  /** GET, query WarmStartRequest: the averaged snapshot for a new crossing. */
  warmStart: '/api/federation/warm-start',
} as const;

const SignatureSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be the hex HMAC-SHA256 signature of the message');
const finite = z.number().finite();
/** Bounds of one snapshot: a few networks of small dense layers (ours: ~2,000 weights). */
const MAX_TENSOR_VALUES = 65_536;

export const FederatedTensorSchema = z
  .object({
    shape: z.array(z.number().int().min(1).max(MAX_TENSOR_VALUES)).min(1).max(4),
    values: z.array(finite).max(MAX_TENSOR_VALUES),
  })
  .strict();

export const FederatedSnapshotSchema = z
  .object({
    format: z.string().min(1).max(64),
    architecture: z
      .object({
        intervalMinutes: z.number().int().min(1).max(60),
        horizons: z.number().int().min(1).max(96),
        lags: z.number().int().min(1).max(96),
        inputSize: z.number().int().min(1).max(1024),
        members: z.array(z.object({ name: z.string().min(1).max(32), hidden: z.array(z.number().int().min(1).max(1024)).max(4) }).strict()).min(1).max(8),
      })
      .strict(),
    samples: z.number().int().min(1).max(1_000_000_000),
    contributors: z.number().int().min(1).max(1_000_000),
    members: z.array(z.object({ name: z.string().min(1).max(32), tensors: z.array(FederatedTensorSchema).min(1).max(10) }).strict()).min(1).max(8),
    combination: z.array(z.array(finite).max(9)).max(96),
    calibration: z.object({ q80: z.array(finite).max(96), q95: z.array(finite).max(96), q80Total: z.array(finite).max(96), q95Total: z.array(finite).max(96) }).strict(),
    weekShape: z.array(finite).max(7 * 1440),
  })
  .strict()
  .refine((s) => s.members.reduce((n, m) => n + m.tensors.reduce((k, t) => k + t.values.length, 0), 0) <= 4 * MAX_TENSOR_VALUES, {
    message: `at most ${4 * MAX_TENSOR_VALUES} weights in all`,
  });

/**
 * Edge worker → fusion (MODEL_SNAPSHOT_QUEUE), after each full training: the latest
 * transferable snapshot of the crossing's model. Fusion keeps the newest per crossing.
 */
export const ModelSnapshotMessageSchema = z
  .object({
    v: z.literal(1),
    crossingId: CrossingIdSchema,
    sentAt: InstantSchema,
    modelVersion: z.number().int().min(1),
    snapshot: FederatedSnapshotSchema,
    sig: SignatureSchema,
  })
  .strict();
export type ModelSnapshotMessage = z.infer<typeof ModelSnapshotMessageSchema>;
export type UnsignedModelSnapshotMessage = Omit<ModelSnapshotMessage, 'sig'>;

/**
 * A new worker's request for a warm start (the query of GET FEDERATION_PATHS.warmStart).
 * `sig` is the HMAC of warmStartRequestPayload(request) with the crossing's key: only a
 * provisioned worker gets the city's averaged weights, and only for a few minutes after
 * it asked (requestedAt).
 */
export const WarmStartRequestSchema = z
  .object({
    crossingId: CrossingIdSchema,
    requestedAt: InstantSchema,
    intervalMinutes: z.coerce.number().int().min(1).max(60),
    horizons: z.coerce.number().int().min(1).max(96),
    lags: z.coerce.number().int().min(1).max(96),
    sig: SignatureSchema,
  })
  .strict();
export type WarmStartRequest = z.infer<typeof WarmStartRequestSchema>;

/** What a warm-start request's signature covers (numbers as numbers, whatever the query carried). */
export function warmStartRequestPayload(request: Omit<WarmStartRequest, 'sig'>): object {
  return {
    kind: 'warm-start-request',
    crossingId: request.crossingId,
    requestedAt: request.requestedAt,
    intervalMinutes: Number(request.intervalMinutes),
    horizons: Number(request.horizons),
    lags: Number(request.lags),
  };
}

/** The answer to a warm-start request: the FedAvg of the other crossings' newest snapshots. */
export interface WarmStartResponse {
  snapshot: z.infer<typeof FederatedSnapshotSchema>;
  /** How many crossings' snapshots were averaged (the requester's own is never one of them). */
  contributors: number;
  /** The newest of those snapshots' sentAt. */
  newestSnapshotAt: string;
}
