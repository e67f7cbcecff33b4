import { completeClearances, toSumoProgramByApproach } from './sumo-approach-export';

describe('SUMO export of a stored plan, one signal index per approach', () => {
  const plan = {
    cycleSeconds: 60,
    phases: [
      { name: 'north-south', approaches: ['0970:1', '0970:5'], greenSeconds: 30 },
      { name: 'east-west', approaches: ['0970:3', '0970:7'], greenSeconds: 22 },
    ],
  };
  const approachIds = ['0970:1', '0970:3', '0970:5', '0970:7'];

  it('shares the cycle left after the greens out as amber then all-red, so the steps add up to the cycle', () => {
    const full = completeClearances(plan);
    expect(full.phases.map((p) => [p.displayedGreenSeconds, p.amberSeconds, p.allRedSeconds])).toEqual([
      [30, 3, 1],
      [22, 3, 1],
    ]);
  });

  it('writes green for the phase approaches, amber, then all-red, columns in approach order, durations summing to the cycle', () => {
    const xml = toSumoProgramByApproach(plan, { tlsId: '0970', approachIds });
    const phases = [...xml.matchAll(/<phase duration="([\d.]+)" state="([GgyrR]+)"/g)].map((m) => [Number(m[1]), m[2]]);
    expect(phases).toEqual([
      [30, 'GrGr'],
      [3, 'yryr'],
      [1, 'rrrr'],
      [22, 'rGrG'],
      [3, 'ryry'],
      [1, 'rrrr'],
    ]);
    expect(phases.reduce((sum, [d]) => sum + (d as number), 0)).toBe(60);
    expect(xml).toMatch(/<tlLogic id="0970" type="static" programID="crosscast" offset="0">/);
    expect(xml).toContain('0=0970:1, 1=0970:3, 2=0970:5, 3=0970:7');
  });

  it('refuses a phase serving an approach the crossing does not have, and greens longer than the cycle', () => {
    expect(() => toSumoProgramByApproach({ ...plan, phases: [{ name: 'x', approaches: ['9999:1'], greenSeconds: 20 }] }, { tlsId: '0970', approachIds })).toThrow(/9999:1, which is not one of/);
    expect(() => completeClearances({ cycleSeconds: 40, phases: plan.phases })).toThrow(/exceed the 40 s cycle/);
  });
});
