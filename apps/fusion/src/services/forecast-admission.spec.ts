import type { ForecastMessage } from '@crosscast/contracts';
import { admissionProblem, approachCountCeiling, seqCeiling } from './forecast-admission';

const BASED_ON = '2006-10-10T08:00:00.000Z';
const SENT_AT = '2006-10-10T08:15:02.000Z';
const band = (mean: number) => ({ mean, lower80: mean * 0.8, upper80: mean * 1.2, lower95: mean * 0.7, upper95: mean * 1.3 });

/** A plausible 15-minute forecast of a two-approach crossing (signature irrelevant here). */
function message(change: (m: ForecastMessage) => void = () => undefined): ForecastMessage {
  const m: ForecastMessage = {
    v: 1,
    messageId: `0970:${BASED_ON}`,
    crossingId: '0970',
    seq: 42,
    sentAt: SENT_AT,
    basedOnIntervalStart: BASED_ON,
    intervalMinutes: 15,
    model: { name: 'residual-ensemble', version: 1, backend: 'cpu', trainedOnIntervals: 672 },
    horizons: [{ stepsAhead: 1, horizonMinutes: 15, intervalStart: '2006-10-10T08:15:00.000Z', total: band(200), approaches: { '0970:1': band(120), '0970:3': band(80) } }],
    observed: { intervalStart: BASED_ON, total: 190, approaches: { '0970:1': 110, '0970:3': 80 }, filledShare: 0 },
    quality: { realInputShare: 1, flags: [] },
    sig: '0'.repeat(64),
  };
  change(m);
  return m;
}
const context = { nowMs: Date.parse('2006-10-10T08:15:05Z'), maxClockSkewMs: 300_000, approachCount: 2 };

describe('forecast admission', () => {
  it('admits a plausible forecast', () => {
    expect(admissionProblem(message(), context)).toBeNull();
  });

  it('has a physical ceiling per approach that scales with the interval', () => {
    expect(approachCountCeiling(15)).toBe(4800);
    expect(approachCountCeiling(60)).toBe(19200);
    expect(approachCountCeiling(1)).toBe(320);
  });

  it('refuses an interval that had not finished when it was sent, or lies beyond fusion’s clock', () => {
    const in2099 = message((m) => {
      m.basedOnIntervalStart = '2099-01-01T00:00:00.000Z';
      m.sentAt = '2099-01-01T00:15:00.000Z';
    });
    expect(admissionProblem(in2099, context)).toMatch(/has not finished by sentAt/);
    const early = message((m) => (m.sentAt = '2006-10-10T08:05:00.000Z'));
    expect(admissionProblem(early, { ...context, maxClockSkewMs: 0 })).toMatch(/has not finished/);
    // Within the allowed clock skew it is fine.
    expect(admissionProblem(message((m) => (m.sentAt = '2006-10-10T08:14:00.000Z')), context)).toBeNull();
  });

  it('refuses a seq no worker could have reached', () => {
    expect(seqCeiling(Date.parse(SENT_AT))).toBeGreaterThan(19_000_000);
    expect(admissionProblem(message((m) => (m.seq = 9e15)), context)).toMatch(/seq 9000000000000000 is impossible/);
  });

  it('refuses counts and bands beyond the physical ceiling, naming where', () => {
    expect(admissionProblem(message((m) => (m.observed.approaches['0970:1'] = 1_000_000)), context)).toMatch(/^observed\.approaches\.0970:1: 1000000 vehicles in 15 min is above the physical ceiling 4800/);
    expect(admissionProblem(message((m) => (m.observed.total = 9601)), context)).toMatch(/^observed\.total: 9601/);
    expect(admissionProblem(message((m) => (m.earlierObserved = [{ ...m.observed, intervalStart: '2006-10-10T07:45:00.000Z', approaches: { '0970:3': 5000 } }])), context)).toMatch(/^earlierObserved\.0\.approaches\.0970:3/);
    expect(admissionProblem(message((m) => (m.horizons[0].approaches['0970:3'] = band(4e30))), context)).toMatch(/^horizons\.1\.approaches\.0970:3: upper95 5\.2e\+30 is more than 2× the physical ceiling 4800/);
    expect(admissionProblem(message((m) => (m.horizons[0].total = band(20_000))), context)).toMatch(/^horizons\.1\.total/);
    // Up to the ceiling (and bands up to twice it) is allowed: a busy approach is not an attack.
    expect(admissionProblem(message((m) => (m.observed.approaches['0970:1'] = 4800)), context)).toBeNull();
    expect(admissionProblem(message((m) => (m.horizons[0].approaches['0970:1'] = { mean: 4000, lower80: 3000, upper80: 6000, lower95: 2000, upper95: 9600 })), context)).toBeNull();
  });
});
