import { DEV_WORKER_KEY_SEED, canonicalJson, deriveWorkerKey, hasValidSignature, signMessage } from './signing';

describe('message signing', () => {
  const key = deriveWorkerKey(DEV_WORKER_KEY_SEED, '0970');
  const message = { v: 1, crossingId: '0970', seq: 3, sentAt: '2006-10-01T00:00:00Z', counts: { b: 2, a: [1, 2.5, null] } };

  it('encodes the same message the same way whatever the key order, and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'é' }, z: undefined })).toBe('{"a":{"c":"é","d":[1,{"x":1,"y":2}]},"b":1}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/non-finite/);
  });

  it('orders keys by UTF-16 code units (upper case, digits and astral characters included) and writes undefined array slots as null', () => {
    // The order every earlier worker signed with: a `<` comparison of the keys.
    const keys = ['b', 'B', '10', '9', 'a\u{1F600}', 'a\uFFFF', '_', 'é', ''];
    const expected = [...keys].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const encoded = canonicalJson(Object.fromEntries(keys.map((k) => [k, 1])));
    expect(Object.keys(JSON.parse(encoded))).toEqual(Object.keys(Object.fromEntries(expected.map((k) => [k, 1]))));
    expect(encoded).toBe(`{${expected.map((k) => `${JSON.stringify(k)}:1`).join(',')}}`);
    expect(canonicalJson([1, undefined, 'x'])).toBe('[1,null,"x"]');
  });

  it('verifies a signed message after a JSON round trip with keys reordered', () => {
    const signed = signMessage(message, key);
    const received = JSON.parse(JSON.stringify({ counts: signed.counts, sig: signed.sig, seq: signed.seq, v: 1, sentAt: signed.sentAt, crossingId: '0970' }));
    expect(hasValidSignature(received, key)).toBe(true);
  });

  it('sends keys in canonical order, so the text a receiver hashes is JSON.stringify of what it parsed', () => {
    const signed = signMessage(message, key);
    const { sig, ...unsigned } = JSON.parse(JSON.stringify(signed)) as typeof signed;
    expect(JSON.stringify(unsigned)).toBe(canonicalJson(message));
    expect(Object.keys(signed)).toEqual(['counts', 'crossingId', 'sentAt', 'seq', 'v', 'sig']);
    expect(Object.keys(signed.counts)).toEqual(['a', 'b']);
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    // The same values in another order give the same signature (only the order changed).
    expect(signMessage({ ...message, counts: { a: [1, 2.5, null], b: 2 } }, key).sig).toBe(sig);
  });

  it('rejects a changed value in the canonical order as in any other, and a message whose sig was signed over other values', () => {
    const signed = JSON.parse(JSON.stringify(signMessage(message, key))) as ReturnType<typeof signMessage<typeof message>>;
    const changed = { ...signed, counts: { a: [1, 2.5, null], b: 3 } } as { sig: string };
    const reordered: { sig: string } = { counts: { b: 2, a: [1, 2.5, 0] }, crossingId: '0970', sentAt: signed.sentAt, seq: 3, v: 1, sig: signed.sig } as { sig: string };
    expect(hasValidSignature(changed, key)).toBe(false);
    expect(hasValidSignature(reordered, key)).toBe(false);
  });

  it("rejects a changed message, another crossing's key, and a truncated signature", () => {
    const signed = signMessage(message, key);
    expect(hasValidSignature({ ...signed, seq: 4 } as { sig: string }, key)).toBe(false);
    expect(hasValidSignature(signed, deriveWorkerKey(DEV_WORKER_KEY_SEED, '2000'))).toBe(false);
    expect(hasValidSignature({ ...signed, sig: signed.sig.slice(0, 10) }, key)).toBe(false);
    // A worker holding 2000's key cannot write for 0970: the receiver uses 0970's key.
    const forged = signMessage(message, deriveWorkerKey(DEV_WORKER_KEY_SEED, '2000'));
    expect(hasValidSignature(forged, key)).toBe(false);
  });

  it('derives a different key per crossing and per seed', () => {
    expect(deriveWorkerKey('seed-one', '0970').equals(deriveWorkerKey('seed-two', '0970'))).toBe(false);
    expect(deriveWorkerKey('seed-one', '0970').equals(deriveWorkerKey('seed-one', '2000'))).toBe(false);
  });
});
