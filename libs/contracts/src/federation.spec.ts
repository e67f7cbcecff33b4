import {
  MAX_PUBLISHED_WARM_START_BYTES,
  PublishedWarmStart,
  verifyPublishedWarmStart,
  warmStartKey,
  warmStartSignature,
} from './federation';
import { DEV_WORKER_KEY_SEED, deriveWorkerKey, messageSignature } from './signing';

const FORMAT = 'crosscast-federated/1';
const architecture = { intervalMinutes: 15, horizons: 1, lags: 1, inputSize: 2, members: [{ name: 'linear', hidden: [] as number[] }] };

/** A warm start the schema accepts (shapes are the forecasting lib's check, not this one). */
function published(overrides: Partial<PublishedWarmStart> = {}): PublishedWarmStart {
  return {
    v: 1,
    kind: 'crosscast-warm-start',
    publishedAt: '2026-12-06T02:00:00.000Z',
    contributors: 2,
    newestSnapshotAt: '2026-12-06T01:00:00.000Z',
    snapshot: {
      format: FORMAT,
      architecture,
      samples: 10,
      contributors: 2,
      members: [{ name: 'linear', tensors: [{ shape: [2, 1], values: [0.1, 0.2] }, { shape: [1], values: [0] }] }],
      combination: [[0.5, 0.5]],
      calibration: { q80: [1], q95: [2], q80Total: [1], q95Total: [2] },
      weekShape: [1, 1, 1],
    },
    ...overrides,
  };
}

describe('the published warm start', () => {
  const key0970 = deriveWorkerKey(DEV_WORKER_KEY_SEED, '0970');
  const key2000 = deriveWorkerKey(DEV_WORKER_KEY_SEED, '2000');
  const payload = JSON.stringify(published());

  it('lives under one key per snapshot format and architecture, readable and exact', () => {
    const key = warmStartKey('crosscast', FORMAT, architecture);
    expect(key).toMatch(/^crosscast:warm-start:15m-1h-1l-[0-9a-f]{16}$/);
    // Same architecture whatever the key order: same key.
    expect(warmStartKey('crosscast', FORMAT, { members: architecture.members, lags: 1, horizons: 1, inputSize: 2, intervalMinutes: 15 })).toBe(key);
    // Another network width, another format or another prefix: another key.
    expect(warmStartKey('crosscast', FORMAT, { ...architecture, members: [{ name: 'linear', hidden: [4] }] })).not.toBe(key);
    expect(warmStartKey('crosscast', 'crosscast-federated/2', architecture)).not.toBe(key);
    expect(warmStartKey('other', FORMAT, architecture)).toBe(key.replace(/^crosscast:/, 'other:'));
  });

  it("accepts the exact payload signed with the worker's own crossing key", () => {
    const reading = verifyPublishedWarmStart({ payload, signature: warmStartSignature(payload, key0970) }, '0970', key0970);
    expect(reading).toEqual({ status: 'verified', warmStart: published() });
  });

  it('says "nothing published" when there is no payload, and refuses a missing or malformed signature', () => {
    expect(verifyPublishedWarmStart({ payload: null, signature: null }, '0970', key0970)).toEqual({ status: 'unpublished', reason: expect.stringMatching(/no warm start/) });
    expect(verifyPublishedWarmStart({ payload, signature: null }, '0970', key0970)).toEqual({ status: 'refused', reason: expect.stringMatching(/not signed for crossing 0970/) });
    expect(verifyPublishedWarmStart({ payload, signature: 'zz'.repeat(32) }, '0970', key0970).status).toBe('refused');
    expect(verifyPublishedWarmStart({ payload, signature: warmStartSignature(payload, key0970).slice(0, 32) }, '0970', key0970).status).toBe('refused');
  });

  it("refuses a payload altered by one character, one signed with another crossing's key, and a message-style signature", () => {
    const signature = warmStartSignature(payload, key0970);
    const altered = payload.replace('"values":[0.1,0.2]', '"values":[9.1,0.2]');
    expect(altered).not.toBe(payload);
    expect(verifyPublishedWarmStart({ payload: altered, signature }, '0970', key0970)).toEqual({
      status: 'refused',
      reason: expect.stringMatching(/signature does not match crossing 0970's key/),
    });
    // A street box holding 2000's key can sign for 2000 only: 0970 refuses it.
    expect(verifyPublishedWarmStart({ payload: altered, signature: warmStartSignature(altered, key2000) }, '0970', key0970).status).toBe('refused');
    expect(verifyPublishedWarmStart({ payload: altered, signature: warmStartSignature(altered, key2000) }, '2000', key2000).status).toBe('verified');
    // The crossing key's other use (signing messages) does not produce a warm-start signature.
    expect(verifyPublishedWarmStart({ payload, signature: messageSignature(published(), key0970) }, '0970', key0970).status).toBe('refused');
  });

  it('refuses a correctly signed payload that is not JSON, not a warm start, or too long', () => {
    const signedBy = (text: string) => ({ payload: text, signature: warmStartSignature(text, key0970) });
    expect(verifyPublishedWarmStart(signedBy('{"v":1,'), '0970', key0970)).toEqual({ status: 'refused', reason: 'payload is not valid JSON' });
    const counts = JSON.stringify(published({ contributors: 0 }));
    expect(verifyPublishedWarmStart(signedBy(counts), '0970', key0970)).toEqual({ status: 'refused', reason: expect.stringMatching(/^payload is not a warm start: contributors/) });
    const extra = JSON.stringify({ ...published(), counts: [120, 130] });
    expect(verifyPublishedWarmStart(signedBy(extra), '0970', key0970)).toEqual({ status: 'refused', reason: expect.stringMatching(/Unrecognized key: "counts"/) });
    const huge = ' '.repeat(MAX_PUBLISHED_WARM_START_BYTES + 1);
    expect(verifyPublishedWarmStart(signedBy(huge), '0970', key0970)).toEqual({ status: 'refused', reason: expect.stringMatching(/over 8388608/) });
  });
});
