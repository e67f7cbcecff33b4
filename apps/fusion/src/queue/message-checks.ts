import { ForecastMessageSchema, HeartbeatMessageSchema, hasValidSignature, parseMessage } from '@crosscast/contracts';
import type { WorkerKeys } from '@crosscast/runtime';

/** The queues whose messages are checked before anything else reads them. */
export type CheckedKind = 'forecast' | 'heartbeat';

/**
 * What the costly checks of one message found: its schema (a problem, or null when it
 * passed), then, when it passed, its signature under the key of the crossing it names.
 * Everything else (the city, the clock) is checked by IngestionService, which also turns a
 * verdict into the refusal's reason.
 */
export type MessageVerdict = { schema: string } | { schema: null; signature: 'valid' | 'invalid' | 'no-key' };

/**
 * The schema (zod, strict: a message that passes has no key or value it would change) and
 * the signature of one message as it was received (keys in the order they travelled).
 * Pure: the message checker threads (MessageCheckPool) and the inline path run this same
 * function. `key` is the signing key of the crossing the message names, null when none is
 * provisioned.
 */
export function verdictOf(kind: CheckedKind, data: unknown, key: Uint8Array | null): MessageVerdict {
  const parsed = kind === 'forecast' ? parseMessage(ForecastMessageSchema, data) : parseMessage(HeartbeatMessageSchema, data);
  if (!parsed.ok) return { schema: parsed.reason };
  if (!key) return { schema: null, signature: 'no-key' };
  const signingKey = Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  return { schema: null, signature: hasValidSignature(data as { sig: string }, signingKey) ? 'valid' : 'invalid' };
}

/**
 * The signing key of the crossing a received message names (read before its schema is
 * checked), null when it names none or none is provisioned.
 */
export function signingKeyOf(data: unknown, keys: WorkerKeys): Buffer | null {
  const id = data !== null && typeof data === 'object' ? (data as { crossingId?: unknown }).crossingId : undefined;
  return typeof id === 'string' ? keys.keyFor(id) : null;
}

/** One message sent to a checker thread: its text as it came off the queue, and its crossing's key. */
export interface CheckRequest {
  kind: CheckedKind;
  text: string;
  key: Uint8Array | null;
}

/** A thread's answer for one request: its verdict, or the error that kept it from one (the pool then checks it inline). */
export type CheckAnswer = MessageVerdict | { error: string };

/** The verdict for a message's text: the thread's side (it parses the text itself, so no object crosses threads). */
export function verdictOfText(request: CheckRequest): CheckAnswer {
  try {
    return verdictOf(request.kind, JSON.parse(request.text), request.key);
  } catch (error) {
    return { error: (error as Error).message };
  }
}
