import { DEFAULT_WINDOW, cityLocalToIso, follows, isoToCityLocal, measuresQuery, rangeProblem, sameWindow, windowLabel, zoneOffsetMs } from './measures-window';

const ZONE = 'Australia/Melbourne';

describe('measures window', () => {
  it('asks for the last N minutes of the log (following it), or a fixed from–to', () => {
    expect(measuresQuery(DEFAULT_WINDOW)).toEqual({ minutes: 60 });
    expect(measuresQuery({ kind: 'last', minutes: 1440 })).toEqual({ minutes: 1440 });
    expect(measuresQuery({ kind: 'range', from: '2006-10-09T21:00:00.000Z', to: '2006-10-09T23:00:00.000Z' })).toEqual({ from: '2006-10-09T21:00:00.000Z', to: '2006-10-09T23:00:00.000Z' });
    expect(follows(DEFAULT_WINDOW)).toBe(true);
    expect(follows({ kind: 'range', from: 'a', to: 'b' })).toBe(false);
    expect(sameWindow({ kind: 'last', minutes: 240 }, { kind: 'last', minutes: 240 })).toBe(true);
    expect(sameWindow({ kind: 'last', minutes: 240 }, { kind: 'last', minutes: 60 })).toBe(false);
    expect(windowLabel(240)).toBe('4 h');
    expect(windowLabel(90)).toBe('90 min');
  });

  it("reads the from–to inputs as the city's wall time, either side of daylight saving", () => {
    // Melbourne: +10:00 until 2:00 on Sunday 29 October 2006, then +11:00.
    expect(zoneOffsetMs(Date.parse('2006-10-10T00:00:00Z'), ZONE)).toBe(10 * 3_600_000);
    expect(cityLocalToIso('2006-10-10T07:30', ZONE)).toBe('2006-10-09T21:30:00.000Z');
    expect(cityLocalToIso('2006-11-10T07:30', ZONE)).toBe('2006-11-09T20:30:00.000Z');
    // 2:30 does not exist on 29 October 2006 (the clocks jump from 2:00 to 3:00): moved forward by the jump.
    expect(cityLocalToIso('2006-10-29T02:30', ZONE)).toBe('2006-10-28T16:30:00.000Z');
    // 2:30 happens twice on 26 March 2006 (back from +11:00 to +10:00): the first.
    expect(cityLocalToIso('2006-03-26T02:30', ZONE)).toBe('2006-03-25T15:30:00.000Z');
    expect(cityLocalToIso('yesterday', ZONE)).toBeNull();
    for (const iso of ['2006-10-09T21:30:00.000Z', '2006-11-09T20:30:00.000Z', '2006-03-25T16:30:00.000Z']) expect(cityLocalToIso(isoToCityLocal(iso, ZONE), ZONE)).toBe(iso);
    expect(isoToCityLocal('2006-10-09T21:30:00.000Z', ZONE)).toBe('2006-10-10T07:30');
  });

  it('refuses an empty, backwards or over-long from–to as the server would', () => {
    expect(rangeProblem(null, '2006-10-09T21:30:00.000Z')).toMatch(/both/);
    expect(rangeProblem('2006-10-09T21:30:00.000Z', '2006-10-09T21:30:00.000Z')).toMatch(/before/);
    expect(rangeProblem('2006-10-01T00:00:00.000Z', '2006-10-08T00:00:01.000Z')).toMatch(/7 days/);
    expect(rangeProblem('2006-10-01T00:00:00.000Z', '2006-10-08T00:00:00.000Z')).toBeNull();
  });
});
