import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Worker identity: every message a worker sends is signed with its crossing's own key,
 * HMAC-SHA256 over a canonical encoding (JSON with object keys sorted, undefined
 * dropped), so producer and consumer hash the same bytes whatever order the keys
 * travelled in. A key can only produce valid signatures for messages naming its crossing,
 * because the receiver looks the key up by the message's crossing id.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('cannot sign a non-finite number');
    return JSON.stringify(value);
  }
  // Plain loops and one string: fusion checks every message it receives, so this runs
  // thousands of times a second at city scale.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += value[i] === undefined ? 'null' : canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  // The default sort compares UTF-16 code units, as `<` does.
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const v = record[key];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

export function messageSignature(message: object, key: Buffer): string {
  return hmac(canonicalJson(unsignedPart(message)), key).toString('hex');
}

/**
 * The message with `sig` added, its keys in canonical order at every level (sorted, `sig`
 * last): as it travels as JSON, `JSON.stringify` of what a receiver parses (without `sig`)
 * is the signed text itself, and hasValidSignature checks it without re-encoding it.
 */
export function signMessage<T extends object>(message: T, key: Buffer): T & { sig: string } {
  const text = canonicalJson(unsignedPart(message));
  return { ...(JSON.parse(text) as T), sig: hmac(text, key).toString('hex') };
}

/**
 * Whether `sig` is the HMAC of the message's canonical encoding under `key`. Pass the
 * message as it was received (parsed JSON, keys in the order they travelled): when they
 * arrived in canonical order (signMessage sends them so), `JSON.stringify` of it is the
 * canonical text, made natively and tried first (a match proves the signer signed exactly
 * these values: one JSON text has one meaning); otherwise the canonical text is built.
 */
export function hasValidSignature(message: { sig: string }, key: Buffer): boolean {
  const given = Buffer.from(message.sig, 'hex');
  const unsigned = unsignedPart(message);
  const matches = (text: string) => {
    const expected = hmac(text, key);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  return matches(JSON.stringify(unsigned)) || matches(canonicalJson(unsigned));
}

/** What a signature covers: the message without its `sig`. */
function unsignedPart(message: object): Record<string, unknown> {
  const { sig: _ignored, ...unsigned } = message as Record<string, unknown>;
  return unsigned;
}

function hmac(text: string, key: Buffer): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

/**
 * Local development keys: each crossing's key derived from one seed, so a demo or test
 * needs no key files. Production must provision real keys (WORKER_KEYS_FILE).
 */
export const DEV_WORKER_KEY_SEED = 'crosscast-local-development-only';

export function deriveWorkerKey(seed: string, crossingId: string): Buffer {
  return createHmac('sha256', seed).update(`crosscast-worker-key:${crossingId}`).digest();
}

/**
 * The key fusion and the simulator share for the street link (timing plans fusion →
 * simulator, simulation reports simulator → fusion). Development derives it from the seed,
 * production reads SIMULATOR_KEY_FILE (npm run keys:generate writes one).
 */
export function deriveSimulatorLinkKey(seed: string): Buffer {
  return createHmac('sha256', seed).update('crosscast-link-key:simulator').digest();
}

/**
 * The BullMQ job id of a timing plan: the same for every publish of one plan (a retry is
 * not queued twice), and unguessable without the link key, so nobody can place a job with
 * that id first and have it delivered instead of the accepted plan.
 */
export function timingPlanJobId(planId: string, linkKey: Buffer): string {
  return `plan-${createHmac('sha256', linkKey).update(`timing-plan-job:${planId}`).digest('hex').slice(0, 32)}`;
}
