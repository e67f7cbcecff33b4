import { ROLES, Role } from '@crosscast/contracts';

/** viewer < operator < admin: a role includes every role before it. */
export function hasRole(actual: Role, required: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(required);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Who is making a request, as the guard attaches it (from the users table, not only the token). */
export interface AuthenticatedUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
}
