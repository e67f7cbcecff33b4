import { hcmDelay, websterDelay } from './theory';

describe('delay formulas', () => {
  it('Webster: worked example c = 60 s, λ = 0.5, q = 600 veh/h, x = 0.667', () => {
    // uniform 60·0.25/(2·(1−0.333)) = 11.25; random 0.444/(2·0.1667·0.333) = 4.0; correction 0.65·2160^(1/3)·0.667^4.5 ≈ 1.36
    expect(websterDelay(60, 0.5, 600, 2 / 3)).toBeCloseTo(11.25 + 4.0 - 0.65 * Math.cbrt(60 / (1 / 36)) * (2 / 3) ** 4.5, 6);
    expect(websterDelay(60, 0.5, 600, 2 / 3)).toBeCloseTo(13.89, 1);
  });

  it('HCM: uniform delay caps x at 1, incremental delay grows past capacity', () => {
    const under = hcmDelay(60, 0.5, 900, 0.5);
    expect(under.uniform).toBeCloseTo((0.5 * 60 * 0.25) / 0.75, 6);
    const over = hcmDelay(60, 0.5, 900, 1.1);
    expect(over.uniform).toBeCloseTo((0.5 * 60 * 0.25) / 0.5, 6);
    expect(over.incremental).toBeGreaterThan(5 * under.incremental);
  });
});
