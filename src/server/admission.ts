/**
 * Bounded admission: requests that use the database wait in a short queue of their class (light:
 * tiles, pages, the API; heavy: CQL2 filters) and are turned away at once with 503 + Retry-After
 * when the queue is full or after waiting too long, instead of piling up until clients time out.
 * Heavy requests have their own small budget, so they never take the light ones' turn. A request
 * whose client went away leaves the queue (and, on a server, its query is cancelled: see hot.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

export interface GateLimits { active: number; queue: number; waitMs: number }

interface Waiter { go: () => void; fail: (e: Error) => void }

export class Gate {
  private active = 0;
  private waiting: Waiter[] = [];
  constructor(readonly name: string, readonly limits: GateLimits) {}

  get load(): { active: number; waiting: number } { return { active: this.active, waiting: this.waiting.length }; }

  /** resolves with a release function once the request may run; `signal` is asked for only when it must wait */
  enter(signalOf: () => AbortSignal): Promise<() => void> {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.go(); else this.active--;
    };
    if (this.active < this.limits.active) {
      this.active++;
      return Promise.resolve(release);
    }
    if (this.waiting.length >= this.limits.queue) return Promise.reject(this.busy('the queue is full'));
    const signal = signalOf();
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        go: () => { done(); resolve(release); },
        fail: (e) => { done(); reject(e); },
      };
      const timer = setTimeout(() => { this.drop(w); w.fail(this.busy(`waited ${this.limits.waitMs} ms`)); }, this.limits.waitMs);
      const onAbort = () => { this.drop(w); w.fail(new HttpError(499, 'ClientClosedRequest', 'the client went away')); };
      const done = () => { clearTimeout(timer); signal.removeEventListener('abort', onAbort); };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(w);
    });
  }

  private drop(w: Waiter): void {
    const i = this.waiting.indexOf(w);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  private busy(why: string): HttpError {
    const e = new HttpError(503, 'ServiceUnavailable',
      `the server is busy with ${this.name} requests (${why}; ${this.limits.active} run at once): retry in a moment (服务器繁忙, 请稍后重试)`);
    e.retryAfter = 1;
    return e;
  }
}

/** a request's connection: closed yet, the client gone before its answer was sent, and its signal once asked for */
interface Watch { closed: boolean; gone: boolean; ac?: AbortController }
const watches = new WeakMap<object, Watch>();

/**
 * Watch a request's connection: `onClose` runs when it closes, and `requestSignal` aborts if the
 * client went away first. (The signal is made only when asked for: most requests never wait or
 * query long enough to need it, and an AbortController each was a few per cent of a cached tile.)
 */
export function watchClient(req: FastifyRequest, reply: FastifyReply, onClose: () => void): Watch {
  const w: Watch = { closed: false, gone: false };
  watches.set(req.raw, w);
  reply.raw.once('close', () => {
    w.closed = true;
    if (!reply.raw.writableFinished) { w.gone = true; w.ac?.abort(); }
    onClose();
  });
  return w;
}

/** aborted when the client closes the connection before its answer was sent */
export function requestSignal(req: FastifyRequest): AbortSignal | undefined {
  const w = watches.get(req.raw);
  if (!w) return undefined;
  if (!w.ac) {
    w.ac = new AbortController();
    if (w.gone) w.ac.abort();
  }
  return w.ac.signal;
}

/** the class of a request: heavy for ad-hoc CQL2 filters, light for the rest of the data routes, none for static files */
export function requestClass(req: FastifyRequest): 'light' | 'heavy' | null {
  const path = req.url.split('?')[0];
  if (!/^\/(collections|tiles|api\/v1)(\/|$)/.test(path)) return null;
  return /[?&]filter=/.test(req.url) ? 'heavy' : 'light';
}
