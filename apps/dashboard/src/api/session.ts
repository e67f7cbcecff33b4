import type { LoginView, Role } from '@crosscast/contracts';

/** The bearer token and user, in sessionStorage: this tab only, gone when it closes. */
const TOKEN_KEY = 'crosscast.session';
const MESSAGE_KEY = `${TOKEN_KEY}.message`;

export interface Session {
  token: string;
  user: LoginView['user'];
  expiresAt: string;
}

export function loadSession(): Session | null {
  try {
    const saved = JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? 'null') as Session | null;
    return saved?.token && saved.user && Date.parse(saved.expiresAt) > Date.now() ? saved : null;
  } catch {
    return null; // a damaged entry means: sign in again
  }
}

export function saveSession(login: LoginView): Session {
  const session: Session = { token: login.token, user: login.user, expiresAt: login.expiresAt };
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify(session));
  return session;
}

/** Forgets the token; the message is shown on the sign-in form after the reload. */
export function clearSession(message: string | null): void {
  sessionStorage.removeItem(TOKEN_KEY);
  if (message) sessionStorage.setItem(MESSAGE_KEY, message);
}

export function takeSignInMessage(): string | null {
  const message = sessionStorage.getItem(MESSAGE_KEY);
  sessionStorage.removeItem(MESSAGE_KEY);
  return message;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const hasRole = (session: Session | null, role: Role): boolean => !!session && RANK[session.user.role] >= RANK[role];
