import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** Deeper than this is not a request anyone means: the API's bodies nest three levels at most. */
export const MAX_INPUT_DEPTH = 32;
/** More values than this in one body, query or set of route parameters is refused. */
export const MAX_INPUT_NODES = 10_000;

/**
 * Why a request input (parsed JSON body, query or route parameters) is refused, or null.
 * Iterative, so a hostile nesting cannot overflow the stack here; refuses NUL characters
 * in any text or key (PostgreSQL cannot store them, and they hide text from log readers).
 */
export function inputProblem(value: unknown): string | null {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: '' }];
  let nodes = 0;
  while (stack.length) {
    const { value: current, depth, path } = stack.pop()!;
    if (++nodes > MAX_INPUT_NODES) return `the request has more than ${MAX_INPUT_NODES} values`;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return `${path || 'the value'} must not contain NUL characters`;
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) return `the request nests deeper than ${MAX_INPUT_DEPTH} levels`;
    for (const [key, child] of Object.entries(current as Record<string, unknown>)) {
      if (key.includes('\u0000')) return 'names must not contain NUL characters';
      stack.push({ value: child, depth: depth + 1, path: path ? `${path}.${key}` : key });
    }
  }
  return null;
}

/**
 * Global pipe, before validation: every body, query and route parameter passes inputProblem,
 * and a body must be a JSON object. Every body the API takes is a DTO object; class-validator
 * validates an array's items, not the array, so `[]` for an object body would pass validation
 * with no field set and reach the service as an empty change.
 */
@Injectable()
export class InputSafetyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    // No body at all (Express 5 leaves it undefined) is an empty object: the DTO says what is required.
    if (metadata.type === 'body' && value === undefined) return {};
    if (metadata.type === 'body' && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new BadRequestException('the body must be a JSON object');
    }
    const problem = inputProblem(value);
    if (problem) throw new BadRequestException(problem);
    return value;
  }
}
