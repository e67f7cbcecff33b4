import { SignalEventLogMessageSchema, SignedSignalEventLogMessageSchema } from './performance-measures';
import { hasValidSignature, signMessage } from './signing';

const log = {
  v: 1 as const,
  runId: 'run-1',
  crossingId: 'c0_0',
  intervalStart: '2006-10-09T08:00:00+10:00',
  intervalMinutes: 15,
  channels: [{ channel: 1, approachId: 'c0_0:N', phase: 1, kind: 'advance' as const, travelSeconds: 8.6 }],
  events: [[0, 1, 1], [899_999, 82, 1]] as Array<[number, number, number]>,
};

describe('SignalEventLogMessage', () => {
  it('accepts a log and its signed form, and the signature covers the events', () => {
    expect(SignalEventLogMessageSchema.parse(log)).toEqual(log);
    const signed = signMessage(log, Buffer.alloc(32, 7));
    expect(SignedSignalEventLogMessageSchema.parse(signed)).toEqual(signed);
    expect(hasValidSignature({ ...signed, events: [[0, 1, 1]] } as typeof signed, Buffer.alloc(32, 7))).toBe(false);
  });

  it('refuses events outside the interval, a channel listed twice and unknown fields, naming where', () => {
    const late = SignalEventLogMessageSchema.safeParse({ ...log, events: [[900_000, 82, 1]] });
    expect(late.success).toBe(false);
    expect(JSON.stringify(late.error!.issues)).toMatch(/inside the 15-minute interval/);
    const twice = SignalEventLogMessageSchema.safeParse({ ...log, channels: [log.channels[0], log.channels[0]] });
    expect(twice.error!.issues[0]).toMatchObject({ path: ['channels', 1, 'channel'], message: 'channel listed twice' });
    expect(SignalEventLogMessageSchema.safeParse({ ...log, extra: 1 }).success).toBe(false);
    expect(SignedSignalEventLogMessageSchema.safeParse({ ...log, sig: 'nope' }).success).toBe(false);
  });
});
