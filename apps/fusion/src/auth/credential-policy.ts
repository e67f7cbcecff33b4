/**
 * What a password or a production secret must be. Pure rules, used where a password is
 * set (the admin API, the bootstrap admin) and where production secrets are read, so
 * that one rule holds everywhere and each refusal says what to change.
 */

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
/** Fewer distinct characters than this is a pattern, not a password (`aaaaaaaaaaaa`, `abababababab`). */
const MIN_DISTINCT_CHARACTERS = 5;

/**
 * Passwords anyone would try first: the development users' (public, in the README and the
 * source) and the most common ones of at least 12 characters in published breach lists.
 * Compared case-insensitively.
 */
export const DENIED_PASSWORDS: ReadonlySet<string> = new Set(
  [
    'crosscast-admin',
    'crosscast-operator',
    'crosscast-viewer',
    'crosscast-password',
    'crosscast123456',
    '123456789012',
    '1234567890123',
    '12345678901234',
    '123456789abc',
    'qwertyuiop12',
    'qwertyuiop123',
    'qwertyuiopasdf',
    '1q2w3e4r5t6y',
    '1qaz2wsx3edc',
    'password1234',
    'password12345',
    'password123456',
    'passwordpassword',
    'administrator',
    'administrator1',
    'iloveyou1234',
    'changeme1234',
    'changemenow!',
    'letmein12345',
    'welcome12345',
    'trafficsignal',
    'trafficlight1',
  ].map((p) => p.toLowerCase()),
);

/**
 * Why a password may not be used, or null when it may. `username` is the account it is
 * for: a password that contains it is the first guess of anyone who knows the name.
 */
export function passwordProblem(password: string, username: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  if (password.trim() !== password) return 'must not begin or end with spaces';
  if (new Set(password).size < MIN_DISTINCT_CHARACTERS) return `must use at least ${MIN_DISTINCT_CHARACTERS} different characters`;
  const lower = password.toLowerCase();
  if (DENIED_PASSWORDS.has(lower)) return 'is a common or development password; choose another';
  if (isSequentialRun(lower)) return 'is a keyboard or counting sequence; choose another';
  const name = username.trim().toLowerCase();
  if (name.length >= 3 && lower.includes(name)) return 'must not contain the username';
  return null;
}

/** `abcdefghijkl`, `123456789012`, `zyxwvutsrqpo`: every step +1 or every step -1 (digits wrap). */
function isSequentialRun(value: string): boolean {
  const codes = [...value].map((c) => c.charCodeAt(0));
  const steps = new Set<number>();
  for (let i = 1; i < codes.length; i++) {
    const step = codes[i] - codes[i - 1];
    // 9 → 0 continues a counting run.
    steps.add(step === -9 && isDigit(codes[i]) ? 1 : step === 9 && isDigit(codes[i]) ? -1 : step);
  }
  return steps.size === 1 && (steps.has(1) || steps.has(-1));
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * An upper estimate of a secret's entropy: its length times the Shannon entropy of its own
 * character distribution. 32 × `a` has 0 bits; 43 characters of random base64 have ~230.
 */
export function estimatedEntropyBits(secret: string): number {
  if (!secret.length) return 0;
  const counts = new Map<string, number>();
  for (const c of secret) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perCharacter = 0;
  for (const n of counts.values()) {
    const p = n / secret.length;
    perCharacter -= p * Math.log2(p);
  }
  return perCharacter * secret.length;
}

export const MIN_SECRET_LENGTH = 32;
export const MIN_SECRET_ENTROPY_BITS = 128;

/** Why a production signing secret is too weak, or null. `npm run secrets:generate` makes good ones. */
export function secretProblem(secret: string): string | null {
  if (secret.length < MIN_SECRET_LENGTH) return `must be at least ${MIN_SECRET_LENGTH} characters (it is ${secret.length})`;
  const period = repeatingPeriod(secret);
  if (period <= secret.length / 2) return `is too predictable (the same ${period} characters repeated); make a random one with npm run secrets:generate`;
  const bits = estimatedEntropyBits(secret);
  if (bits < MIN_SECRET_ENTROPY_BITS) {
    return `is too predictable (about ${Math.floor(bits)} bits of entropy, at least ${MIN_SECRET_ENTROPY_BITS} needed); make a random one with npm run secrets:generate`;
  }
  return null;
}

/** The shortest p such that the value repeats itself every p characters (its length when it does not). */
function repeatingPeriod(value: string): number {
  for (let p = 1; p < value.length; p++) {
    let repeats = true;
    for (let i = p; i < value.length && repeats; i++) repeats = value[i] === value[i - p];
    if (repeats) return p;
  }
  return value.length;
}
