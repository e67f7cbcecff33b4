import { DetectorReadingSchema, ForecastMessage, ForecastMessageSchema, HeartbeatMessageSchema, HorizonForecast, parseMessage } from './messages';

const BASED_ON = '2006-10-01T08:00:00.000Z';

function bandAround(mean: number) {
  return { mean, lower80: mean * 0.8, upper80: mean * 1.2, lower95: mean * 0.6, upper95: mean * 1.4 };
}

function horizon(stepsAhead: number, intervalMinutes = 15): HorizonForecast {
  return {
    stepsAhead,
    horizonMinutes: stepsAhead * intervalMinutes,
    intervalStart: new Date(Date.parse(BASED_ON) + stepsAhead * intervalMinutes * 60_000).toISOString(),
    total: bandAround(120),
    approaches: { '0970:1': bandAround(80), '0970:3': bandAround(40) },
  };
}

/** A valid forecast message as an edge worker sends it; `patch` edits a deep copy. */
function forecastMessage(patch: (m: ForecastMessage) => void = () => undefined): ForecastMessage {
  const message: ForecastMessage = {
    v: 1,
    messageId: `0970:${BASED_ON}`,
    crossingId: '0970',
    seq: 42,
    // Schema-valid; whether it matches the crossing's key is the fusion service's check.
    sig: 'ab'.repeat(32),
    sentAt: '2006-10-01T08:15:01.250Z',
    basedOnIntervalStart: BASED_ON,
    intervalMinutes: 15,
    model: { name: 'residual-ensemble', version: 3, backend: 'wasm', trainedOnIntervals: 672 },
    horizons: [1, 2, 3, 4].map((h) => horizon(h)),
    observed: { intervalStart: BASED_ON, total: 117, approaches: { '0970:1': 80, '0970:3': 37 }, filledShare: 0 },
    quality: { realInputShare: 0.98, flags: [] },
  };
  const copy = structuredClone(message);
  patch(copy);
  return copy;
}

function rejection(input: unknown): string {
  const result = parseMessage(ForecastMessageSchema, input);
  if (result.ok) throw new Error('expected the message to be rejected');
  return result.reason;
}

function manyApproaches(n: number, make: (i: number) => unknown): Record<string, any> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`0970:${i + 1}`, make(i)]));
}

describe('ForecastMessageSchema', () => {
  it('accepts a valid message and returns it unchanged', () => {
    const message = forecastMessage();
    expect(parseMessage(ForecastMessageSchema, message)).toEqual({ ok: true, value: message });
  });

  it('accepts null observed counts (a detector that reported nothing), 16 approaches and a zero band', () => {
    const message = forecastMessage((m) => {
      m.observed.approaches['0970:3'] = null;
      m.observed.total = null;
      m.horizons[0].approaches = manyApproaches(16, () => bandAround(0));
    });
    expect(parseMessage(ForecastMessageSchema, message).ok).toBe(true);
  });

  it.each<[string, (m: any) => void, RegExp]>([
    ['a messageId that is not <crossingId>:<basedOnIntervalStart>', (m) => (m.messageId = '0970:2006-10-01T08:15:00.000Z'), /^messageId: must equal/],
    ['a messageId of another crossing', (m) => (m.messageId = `0971:${BASED_ON}`), /^messageId: /],
    ['an unordered band (lower80 above the mean)', (m) => (m.horizons[1].total.lower80 = 121), /^horizons\.1\.total: bands must be ordered/],
    ['an unordered approach band (upper95 below upper80)', (m) => (m.horizons[0].approaches['0970:3'].upper95 = 47), /^horizons\.0\.approaches\.0970:3: bands must be ordered/],
    ['a negative mean', (m) => (m.horizons[0].total = { mean: -1, lower80: -2, upper80: 1, lower95: -3, upper95: 2 }), /horizons\.0\.total\.mean: /],
    ['a NaN mean', (m) => (m.horizons[2].approaches['0970:1'].mean = NaN), /horizons\.2\.approaches\.0970:1\.mean: /],
    ['an infinite upper bound', (m) => (m.horizons[0].total.upper95 = Infinity), /horizons\.0\.total\.upper95: /],
    ['an unknown top-level field', (m) => (m.priority = 'high'), /Unrecognized key.*"priority"/],
    ['an unknown field in a band', (m) => (m.horizons[0].total.median = 120), /horizons\.0\.total: Unrecognized key.*"median"/],
    ['a duplicate stepsAhead', (m) => (m.horizons[3] = horizon(2)), /^horizons\.3\.stepsAhead: duplicate horizon/],
    ['horizonMinutes != stepsAhead * intervalMinutes', (m) => (m.horizons[1].horizonMinutes = 15), /^horizons\.1\.horizonMinutes: must equal stepsAhead \* intervalMinutes/],
    [
      'a crossing id with spaces',
      (m) => {
        m.crossingId = 'Burke Rd';
        m.messageId = `Burke Rd:${BASED_ON}`;
      },
      /^crossingId: crossing id must be/,
    ],
    [
      'a crossing id of 200 characters',
      (m) => {
        m.crossingId = 'x'.repeat(200);
        m.messageId = `${m.crossingId}:${BASED_ON}`;
      },
      /crossingId: crossing id must be/,
    ],
    ['observed.intervalStart != basedOnIntervalStart', (m) => (m.observed.intervalStart = '2006-10-01T07:45:00.000Z'), /^observed\.intervalStart: must equal basedOnIntervalStart/],
    ['17 forecast approaches', (m) => (m.horizons[0].approaches = manyApproaches(17, () => bandAround(5))), /^horizons\.0\.approaches: must name between 1 and 16 approaches/],
    ['17 observed approaches', (m) => (m.observed.approaches = manyApproaches(17, () => 5)), /^observed\.approaches: must name between 1 and 16 approaches/],
    ['no approaches', (m) => (m.observed.approaches = {}), /^observed\.approaches: must name between 1/],
    ['no horizons', (m) => (m.horizons = []), /^horizons: /],
    ['a time without a zone', (m) => (m.sentAt = '2006-10-01T08:15:01'), /^sentAt: must be an ISO 8601 date-time with a zone/],
    ['a filled share above 1', (m) => (m.observed.filledShare = 1.5), /^observed\.filledShare: /],
    ['a negative observed count', (m) => (m.observed.approaches['0970:1'] = -3), /^observed\.approaches\.0970:1: /],
    ['a fractional seq', (m) => (m.seq = 1.5), /^seq: /],
    ['another message version', (m) => (m.v = 2), /^v: /],
  ])('rejects %s, naming the field', (_label, patch, reason) => {
    expect(rejection(forecastMessage(patch))).toMatch(reason);
  });

  it('rejects input that is not an object', () => {
    expect(rejection('hello')).toMatch(/^\(message\): Invalid input: expected object/);
    expect(rejection(null)).toMatch(/^\(message\): /);
  });

  it('reports at most five issues in one reason', () => {
    const reason = rejection({ v: 1 });
    expect(reason.split('; ')).toHaveLength(5);
  });
});

describe('HeartbeatMessageSchema', () => {
  const heartbeat = {
    v: 1,
    crossingId: '0970',
    seq: 7,
    sentAt: '2006-10-01T08:15:03+10:00',
    status: 'ok',
    model: { name: 'residual-ensemble', version: 1, backend: 'cpu', trainedOnIntervals: 700 },
    historyIntervals: 700,
    lastIntervalStart: '2006-10-01T08:00:00+10:00',
    training: false,
    bufferedMessages: 0,
    sig: 'cd'.repeat(32),
  };

  it('accepts a running worker and a starting one with no model or history yet', () => {
    expect(parseMessage(HeartbeatMessageSchema, heartbeat).ok).toBe(true);
    expect(parseMessage(HeartbeatMessageSchema, { ...heartbeat, status: 'starting', model: null, historyIntervals: 0, lastIntervalStart: null }).ok).toBe(true);
  });

  it('accepts the optional cleaning tally, and a heartbeat without it (older workers)', () => {
    const cleaning = { cells: 2800, shares: { real: 0.95, missing: 0.03, 'over-capacity': 0.02 }, droppedShare: 0.0206 };
    expect(parseMessage(HeartbeatMessageSchema, { ...heartbeat, cleaning })).toEqual({ ok: true, value: { ...heartbeat, cleaning } });
    expect(parseMessage(HeartbeatMessageSchema, { ...heartbeat, cleaning: null }).ok).toBe(true);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown status', { status: 'sleeping' }, /^status: /],
    ['a negative buffer', { bufferedMessages: -1 }, /^bufferedMessages: /],
    ['a missing training flag', { training: undefined }, /^training: /],
    ['an unknown field', { cpu: 0.4 }, /Unrecognized key.*"cpu"/],
    ['a model without a backend', { model: { name: 'residual-ensemble', version: 1, trainedOnIntervals: 1 } }, /^model\.backend: /],
    ['a cleaning share above 1', { cleaning: { cells: 10, shares: { real: 1.5 }, droppedShare: 0 } }, /^cleaning\.shares\.real: /],
    ['a cleaning tally with an unknown field', { cleaning: { cells: 10, shares: {}, droppedShare: 0, note: 'x' } }, /Unrecognized key.*"note"/],
  ])('rejects %s', (_label, change, reason) => {
    const result = parseMessage(HeartbeatMessageSchema, { ...heartbeat, ...change });
    expect(result.ok ? 'accepted' : result.reason).toMatch(reason);
  });
});

describe('DetectorReadingSchema', () => {
  const reading = { v: 1, crossingId: '0970', intervalStart: '2006-10-01T00:00:00+10:00', intervalMinutes: 15, counts: { '0970:1': 86, '0970:3': 5 } };

  it('accepts a reading, including null counts from a silent detector', () => {
    expect(parseMessage(DetectorReadingSchema, reading).ok).toBe(true);
    expect(parseMessage(DetectorReadingSchema, { ...reading, counts: { '0970:1': null, '0970:3': 5 } })).toEqual({
      ok: true,
      value: { ...reading, counts: { '0970:1': null, '0970:3': 5 } },
    });
  });

  it('lets an impossible count through for the worker to clean (a faulty detector must not stop the feed)', () => {
    expect(parseMessage(DetectorReadingSchema, { ...reading, counts: { '0970:1': -4, '0970:3': 99999 } }).ok).toBe(true);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a NaN count', { counts: { '0970:1': NaN } }, /^counts\.0970:1: /],
    ['a count given as text', { counts: { '0970:1': '86' } }, /^counts\.0970:1: /],
    ['an approach id with a space', { counts: { '0970 1': 3 } }, /^counts\.0970 1: approach id must be/],
    ['an interval longer than an hour', { intervalMinutes: 90 }, /^intervalMinutes: /],
    ['a time without a zone', { intervalStart: '2006-10-01 00:00' }, /^intervalStart: /],
    ['an unknown field', { source: 'scats' }, /Unrecognized key.*"source"/],
  ])('rejects %s', (_label, change, reason) => {
    const result = parseMessage(DetectorReadingSchema, { ...reading, ...change });
    expect(result.ok ? 'accepted' : result.reason).toMatch(reason);
  });
});

describe('message signatures', () => {
  it('is required and must be a hex HMAC-SHA256', () => {
    const { sig: _sig, ...unsigned } = forecastMessage();
    const missing = parseMessage(ForecastMessageSchema, unsigned);
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.reason).toMatch(/^sig: /);
    const bad = parseMessage(ForecastMessageSchema, { ...forecastMessage(), sig: 'not-hex' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.reason).toMatch(/sig: must be the hex HMAC-SHA256 signature/);
  });
});
