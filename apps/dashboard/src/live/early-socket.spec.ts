import { EventEmitter } from 'node:events';

/** Enough of a socket.io-client socket: listeners by event, catch-all listeners, and what the server sends. */
class FakeSocket extends EventEmitter {
  connected = false;
  private readonly any: Array<(event: string, ...args: unknown[]) => void> = [];
  onAny(listener: (event: string, ...args: unknown[]) => void): void {
    this.any.push(listener);
  }
  offAny(listener: (event: string, ...args: unknown[]) => void): void {
    this.any.splice(this.any.indexOf(listener), 1);
  }
  disconnect(): void {
    this.connected = false;
  }
  /** An event from the server: catch-all listeners first, as socket.io-client does. */
  receive(event: string, ...args: unknown[]): void {
    for (const listener of [...this.any]) listener(event, ...args);
    this.emit(event, ...args);
  }
}

const opened: FakeSocket[] = [];
jest.mock('./socket', () => ({ openSocket: () => { const s = new FakeSocket(); opened.push(s); return s; } }));

import { openEarlySocket } from './early-socket';

describe('the socket preload.js opens before the main bundle runs', () => {
  beforeEach(() => opened.splice(0));

  it('keeps what arrives before the app listens and hands it over in order, once; later events go straight to the app', () => {
    const early = openEarlySocket('t');
    const socket = opened[0];
    socket.receive('snapshot', { summaries: 'all' });
    socket.receive('crossing-summaries', { n: 1 });
    const seen: string[] = [];
    socket.on('snapshot', () => seen.push('snapshot'));
    socket.on('crossing-summaries', (c: { n: number }) => seen.push(`summaries ${c.n}`));
    expect(seen).toEqual([]); // nothing reached the app's listeners before the hand-over
    early.replay();
    socket.receive('crossing-summaries', { n: 2 });
    early.replay();
    expect(seen).toEqual(['snapshot', 'summaries 1', 'summaries 2']);
  });

  it('remembers a refused connection until the next connect', () => {
    const early = openEarlySocket('t');
    const socket = opened[0];
    socket.emit('connect_error', new Error('unauthorized: the token has been revoked'));
    expect(early.lastError?.message).toMatch(/^unauthorized/);
    socket.emit('connect');
    expect(early.lastError).toBeNull();
  });

  it('says when more events came than it keeps (the app then opens its own socket)', () => {
    const early = openEarlySocket('t');
    for (let i = 0; i < 500; i++) opened[0].receive('crossing-status', i);
    expect(early.overflowed).toBe(false);
    opened[0].receive('crossing-status', 500);
    expect(early.overflowed).toBe(true);
  });
});
