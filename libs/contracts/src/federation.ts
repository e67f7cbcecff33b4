import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod/v4';
import { CrossingIdSchema, InstantSchema } from './ids';
import { canonicalJson } from './signing';

/**
 * Federated warm start (see libs/forecasting/src/federated.ts for the maths). Workers send
 * the transferable part of their trained model (weights, error statistics, a unit-free
 * week shape: never counts) on MODEL_SNAPSHOT_QUEUE; fusion publishes the average of the
 * crossings' snapshots into Redis (warmStartKey), signed for each crossing, where a new
 * worker reads it over the same city link. These schemas bound sizes and check that every
 * number is finite; the forecasting lib's snapshotProblems() checks shapes and architecture.
 */

/** BullMQ queue carrying ModelSnapshotMessage jobs from edge workers to the fusion service. */
export const MODEL_SNAPSHOT_QUEUE = 'crosscast-model-snapshots';

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

export const FederatedArchitectureSchema = z
  .object({
    intervalMinutes: z.number().int().min(1).max(60),
    horizons: z.number().int().min(1).max(96),
    lags: z.number().int().min(1).max(96),
    inputSize: z.number().int().min(1).max(1024),
    members: z.array(z.object({ name: z.string().min(1).max(32), hidden: z.array(z.number().int().min(1).max(1024)).max(4) }).strict()).min(1).max(8),
  })
  .strict();
export type FederatedArchitectureShape = z.infer<typeof FederatedArchitectureSchema>;

export const FederatedSnapshotSchema = z
  .object({
    format: z.string().min(1).max(64),
    architecture: FederatedArchitectureSchema,
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
 * The city's warm start, published by fusion into Redis: the city link every worker
 * already has (a worker on the street network reaches Redis, never fusion). One Redis
 * HASH per model architecture, at warmStartKey():
 *
 * - `payload`: the JSON text of a PublishedWarmStart (the FedAvg of the crossings' newest
 *   snapshots of that architecture: weights, error statistics, a unit-free week shape);
 * - `sig:<crossingId>`: warmStartSignature(payload, that crossing's key), one per crossing
 *   fusion holds a key for. Fusion holds every crossing key, a worker only its own, so a
 *   worker accepts only what fusion signed: a street box that can write to Redis (it
 *   shares the BullMQ link) could at most forge its own crossing's entry;
 * - `revision`: the receipt time (ms) of the newest snapshot averaged, so two fusion
 *   instances publishing at once never replace a newer average with an older one. Workers
 *   ignore it (it is not signed).
 *
 * The deployment's Redis ACL (tools/redis-acl.ts) also gives the worker user read-only
 * access to these keys; the signatures hold where no ACL is loaded.
 */
export const WARM_START_KEY_SEGMENT = 'warm-start';
export const WARM_START_FIELDS = {
  payload: 'payload',
  revision: 'revision',
  signature: (crossingId: string) => `sig:${crossingId}`,
} as const;
/** A payload longer than this is refused unread (the schema's bounds are far below it). */
export const MAX_PUBLISHED_WARM_START_BYTES = 8 * 1024 * 1024;

/**
 * The Redis key of an architecture's warm start: readable (interval, horizons, lags) and
 * exact (a hash of the snapshot format and the whole architecture, so two code versions
 * with different networks never read each other's average).
 */
export function warmStartKey(prefix: string, format: string, architecture: FederatedArchitectureShape): string {
  const digest = createHash('sha256').update(canonicalJson({ format, architecture })).digest('hex').slice(0, 16);
  return `${prefix}:${WARM_START_KEY_SEGMENT}:${architecture.intervalMinutes}m-${architecture.horizons}h-${architecture.lags}l-${digest}`;
}

/** What fusion publishes for one architecture (the `payload` field, as JSON text). */
export const PublishedWarmStartSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('crosscast-warm-start'),
    publishedAt: InstantSchema,
    /** How many crossings' snapshots were averaged. */
    contributors: z.number().int().min(1).max(1_000_000),
    /** The newest of those snapshots' sentAt. */
    newestSnapshotAt: InstantSchema,
    snapshot: FederatedSnapshotSchema,
  })
  .strict();
export type PublishedWarmStart = z.infer<typeof PublishedWarmStartSchema>;

/**
 * HMAC-SHA256, with the crossing's key, of a domain tag and the SHA-256 of the payload's
 * exact bytes: hashed once however many crossings are signed for, and never equal to a
 * message signature (those cover canonical JSON, which starts with "{").
 */
export function warmStartSignature(payload: string, key: Buffer): string {
  const digest = createHash('sha256').update(payload, 'utf8').digest('hex');
  return createHmac('sha256', key).update(`crosscast-warm-start/1\n${digest}`).digest('hex');
}

export type WarmStartReading =
  | { status: 'verified'; warmStart: PublishedWarmStart }
  | { status: 'unpublished'; reason: string }
  | { status: 'refused'; reason: string };

/**
 * A worker's check of what it read from warmStartKey (pure): the signature for its own
 * crossing first, over the exact bytes, then JSON and the schema. Shapes and architecture
 * are the forecasting lib's snapshotProblems(), after this.
 */
export function verifyPublishedWarmStart(entry: { payload: string | null; signature: string | null }, crossingId: string, key: Buffer): WarmStartReading {
  const { payload, signature } = entry;
  if (payload === null) return { status: 'unpublished', reason: 'fusion has published no warm start for this architecture yet' };
  if (payload.length > MAX_PUBLISHED_WARM_START_BYTES) return { status: 'refused', reason: `payload of ${payload.length} characters is over ${MAX_PUBLISHED_WARM_START_BYTES}` };
  if (signature === null) return { status: 'refused', reason: `not signed for crossing ${crossingId} (no ${WARM_START_FIELDS.signature(crossingId)} field: fusion holds no key for it, or fusion did not write this entry)` };
  const expected = Buffer.from(warmStartSignature(payload, key), 'hex');
  const given = /^[0-9a-f]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { status: 'refused', reason: `signature does not match crossing ${crossingId}'s key: not written by fusion, or altered since` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return { status: 'refused', reason: 'payload is not valid JSON' };
  }
  const checked = PublishedWarmStartSchema.safeParse(parsed);
  if (!checked.success) {
    const issues = checked.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
    return { status: 'refused', reason: `payload is not a warm start: ${issues.join('; ')}` };
  }
  return { status: 'verified', warmStart: checked.data };
}
