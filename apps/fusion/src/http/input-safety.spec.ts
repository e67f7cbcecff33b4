import { ArgumentsHost, BadRequestException, Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { InputSafetyPipe, inputProblem } from './input-safety';
import { SafeErrorsFilter } from './safe-errors.filter';

describe('input safety', () => {
  it('refuses NUL characters in any text or key, naming the field', () => {
    expect(inputProblem({ displayName: 'a\u0000b' })).toBe('displayName must not contain NUL characters');
    expect(inputProblem({ settings: { adminNote: ['ok', 'x\u0000'] } })).toBe('settings.adminNote.1 must not contain NUL characters');
    expect(inputProblem({ ['k\u0000']: 1 })).toBe('names must not contain NUL characters');
    expect(inputProblem('\u0000')).toBe('the value must not contain NUL characters');
    expect(inputProblem({ reason: 'plain text, ünïcode and emoji 🚦' })).toBeNull();
  });

  it('refuses absurd nesting and size without recursing', () => {
    let deep: unknown = [];
    for (let i = 0; i < 5000; i++) deep = [deep];
    expect(inputProblem(deep)).toBe('the request nests deeper than 32 levels');
    expect(inputProblem(JSON.parse('['.repeat(5000) + ']'.repeat(5000)))).toMatch(/nests deeper/);
    expect(inputProblem({ values: Array.from({ length: 20_000 }, () => 1) })).toMatch(/more than 10000 values/);
    expect(inputProblem({ a: { b: { c: [1, 2, { d: 'fine' }] } } })).toBeNull();
  });

  it('is a pipe that answers 400', () => {
    const pipe = new InputSafetyPipe();
    expect(() => pipe.transform({ reason: '\u0000' }, { type: 'body' })).toThrow(BadRequestException);
    expect(pipe.transform({ reason: 'ok' }, { type: 'body' })).toEqual({ reason: 'ok' });
  });

  it('refuses a body that is not a JSON object (an array would pass validation as an empty change)', () => {
    const pipe = new InputSafetyPipe();
    for (const body of [[], [{ role: 'viewer' }], null, 'text', 3, true]) {
      expect(() => pipe.transform(body, { type: 'body' })).toThrow('the body must be a JSON object');
    }
    expect(pipe.transform(['a'], { type: 'query' })).toEqual(['a']);
    expect(pipe.transform(undefined, { type: 'body' })).toEqual({});
  });
});

describe('safe errors filter', () => {
  const run = (error: unknown) => {
    const sent: Array<{ status: number; body: unknown }> = [];
    const logged: string[] = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void logged.push(String(message)));
    const response = { status: (status: number) => ({ json: (body: unknown) => void sent.push({ status, body }) }) };
    const host = {
      getType: () => 'http',
      switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({ method: 'POST', route: { path: '/api/admin/users' }, url: '/api/admin/users?secret=x' }) }),
    } as unknown as ArgumentsHost;
    new SafeErrorsFilter().catch(error, host);
    jest.restoreAllMocks();
    return { sent, logged };
  };

  it('answers a database data exception with 400 and logs neither the SQL nor its parameters', () => {
    const driverError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    const failed = new QueryFailedError('INSERT INTO users (password_hash) VALUES ($1)', ['scrypt$16384$8$1$secret-hash'], driverError);
    const { sent, logged } = run(failed);
    expect(sent).toEqual([{ status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'a value in the request cannot be stored' } }]);
    expect(logged).toEqual(['POST /api/admin/users: QueryFailedError (22021): invalid byte sequence for encoding "UTF8": 0x00']);
    expect(logged.join()).not.toMatch(/INSERT|scrypt|secret/);
  });

  it('answers anything else unexpected with a plain 500, no stack', () => {
    const { sent, logged } = run(new RangeError('Maximum call stack size exceeded'));
    expect(sent).toEqual([{ status: 500, body: { statusCode: 500, message: 'Internal server error' } }]);
    expect(logged[0]).toBe('POST /api/admin/users: RangeError: Maximum call stack size exceeded');
  });

  it("keeps the body parser's client errors (413 too large) as they are, logging nothing", () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, statusCode: 413, expose: true, type: 'entity.too.large' });
    const { sent, logged } = run(tooLarge);
    expect(sent).toEqual([{ status: 413, body: { statusCode: 413, message: 'request entity too large' } }]);
    expect(logged).toEqual([]);
  });

  it('does not trust a 4xx status on an error not marked as safe to show', () => {
    const { sent } = run(Object.assign(new Error('internal detail'), { status: 404 }));
    expect(sent[0].status).toBe(500);
  });
});
