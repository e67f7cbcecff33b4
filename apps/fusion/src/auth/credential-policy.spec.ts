import { estimatedEntropyBits, passwordProblem, secretProblem } from './credential-policy';

describe('credential policy', () => {
  it('refuses the weak passwords an attacker tries first, each with a reason', () => {
    expect(passwordProblem('short', 'ana')).toBe('must be at least 12 characters');
    expect(passwordProblem('x'.repeat(257), 'ana')).toBe('must be at most 256 characters');
    expect(passwordProblem(' '.repeat(12), 'ana')).toBe('must not begin or end with spaces');
    expect(passwordProblem(' leading-space-pass', 'ana')).toBe('must not begin or end with spaces');
    expect(passwordProblem('aaaaaaaaaaaa', 'ana')).toMatch(/at least 5 different characters/);
    expect(passwordProblem('abababababab', 'ana')).toMatch(/at least 5 different characters/);
    expect(passwordProblem('crosscast-admin', 'ana')).toMatch(/common or development password/);
    expect(passwordProblem('Crosscast-Operator', 'ana')).toMatch(/common or development password/);
    expect(passwordProblem('Password1234', 'ana')).toMatch(/common or development password/);
    expect(passwordProblem('abcdefghijklm', 'ana')).toMatch(/sequence/);
    expect(passwordProblem('987654321098', 'ana')).toMatch(/sequence/);
    expect(passwordProblem('2345678901234', 'ana')).toMatch(/sequence/);
    expect(passwordProblem('marie.curie-2026', 'marie.curie')).toBe('must not contain the username');
    expect(passwordProblem('MARIE.CURIE-2026', 'Marie.Curie')).toBe('must not contain the username');
  });

  it('accepts ordinary good passwords, and a two-letter name inside one', () => {
    expect(passwordProblem('tram-stop-quartz-47', 'admin')).toBeNull();
    expect(passwordProblem('correct horse battery staple', 'ops')).toBeNull();
    expect(passwordProblem('jo-walks-to-the-depot', 'jo')).toBeNull();
  });

  it('estimates a secret by its own character distribution', () => {
    expect(estimatedEntropyBits('')).toBe(0);
    expect(estimatedEntropyBits('a'.repeat(32))).toBe(0);
    expect(estimatedEntropyBits('ab'.repeat(16))).toBeCloseTo(32);
    expect(estimatedEntropyBits('q7Vb2-LxN9sKd4TfWm0ZrYc8Hj3Ue6PaGo1Iv5Bn_Es')).toBeGreaterThan(200);
  });

  it('refuses short or predictable production secrets', () => {
    expect(secretProblem('x'.repeat(31))).toBe('must be at least 32 characters (it is 31)');
    expect(secretProblem('a'.repeat(32))).toMatch(/too predictable \(the same 1 characters repeated/);
    expect(secretProblem('0123456789'.repeat(4))).toMatch(/too predictable/);
    expect(secretProblem('q7Vb2-LxN9sKd4TfWm0ZrYc8Hj3Ue6PaGo1Iv5Bn_Es')).toBeNull();
  });
});
