import type { Redis } from 'ioredis';
import { lazyRequire } from '../lazy-require.js';
import { backoffFactor, type BackoffSpec } from '../../domain/domain-backoff.js';
import { AppError } from '../../domain/errors.js';
import type { LimitKey, Limiter } from '../../ports/limiter.js';
import { RESERVE_LUA, SLOW_DOWN_LUA } from './redis-limiter-scripts.js';

const ioredis = lazyRequire<typeof import('ioredis')>('ioredis');

/** How a Redis limiter reaches its server. */
export interface RedisLimiterOptions {
  /** redis://[user:pass@]host:port[/db] or rediss://… */
  url: string;
  /** Put before every key (POSTFLOW_REDIS_PREFIX, default `postflow:`): installations sharing a Redis stay apart. */
  prefix: string;
  /** Longest wait for a connection or one command before the call fails as LIMITER_UNAVAILABLE (default 2000 ms). */
  timeoutMs?: number;
  /** Told about connection errors as they happen (the caller limits how often it logs them). */
  onError?: (err: Error) => void;
}

type ScriptCommands = {
  pfReserve(numKeys: number, ...args: Array<string | number>): Promise<number[]>;
  pfSlowDown(numKeys: number, ...args: Array<string | number>): Promise<string>;
};

/** The URL with any password hidden, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://(unparseable URL)';
  }
}

/**
 * GCRA limiter state in Redis, shared by every process that names the same server and prefix. Each call is one
 * atomic Lua script (EVALSHA, falling back to EVAL when the server lacks it: ioredis `defineCommand`); keys expire
 * once their debt has passed. Time is the caller's clock (docs/adr/0019-redis-limiter.md). When Redis cannot be
 * reached within the timeout, calls reject with LIMITER_UNAVAILABLE (retryable), never with a made-up answer.
 */
export class RedisLimiter implements Limiter {
  private readonly redis: Redis & ScriptCommands;
  private readonly where: string;

  constructor(private readonly opts: RedisLimiterOptions) {
    const timeout = opts.timeoutMs ?? 2000;
    this.where = redactRedisUrl(opts.url);
    // Lazy: a process that never throttles (postflow send, an api without workers until /ready) opens no socket.
    // One retry per command and a command timeout bound how long a call can hang while Redis is away.
    const redis = new (ioredis().Redis)(opts.url, {
      lazyConnect: true, connectTimeout: timeout, commandTimeout: timeout, maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(100 * times, 2000), connectionName: 'postflow-limiter',
    });
    redis.on('error', (err: Error) => opts.onError?.(err));
    redis.defineCommand('pfReserve', { lua: RESERVE_LUA });
    redis.defineCommand('pfSlowDown', { lua: SLOW_DOWN_LUA });
    this.redis = redis as Redis & ScriptCommands;
  }

  async reserve(keys: LimitKey[], now: number): Promise<number> {
    return (await this.reserveEach([keys], now))[0]!;
  }

  async reserveEach(requests: LimitKey[][], now: number): Promise<number[]> {
    if (requests.length === 0) return [];
    const keys: string[] = [];
    const index = new Map<string, number>();
    const at = (k: string): number => {
      let i = index.get(k);
      if (i === undefined) {
        keys.push(k);
        i = keys.length;
        index.set(k, i);
      }
      return i;
    };
    const args: Array<string | number> = [now, requests.length];
    for (const req of requests) {
      args.push(req.length);
      for (const k of req) {
        args.push(at(`${this.opts.prefix}gcra:${k.key}`), k.rate.perSecond, k.rate.burst);
        args.push(k.slowdown ? at(`${this.opts.prefix}slow:${k.key}`) : 0, k.slowdown?.recoverAfterMs ?? 0);
      }
    }
    const out = await this.call(() => this.redis.pfReserve(keys.length, ...keys, ...args));
    return out.map(Number);
  }

  async slowDown(key: string, spec: BackoffSpec, now: number): Promise<number> {
    const f = await this.call(() => this.redis.pfSlowDown(1, `${this.opts.prefix}slow:${key}`, now, spec.cut, spec.floor, spec.recoverAfterMs));
    return Number(f);
  }

  async factor(key: string, spec: BackoffSpec, now: number): Promise<number> {
    const [f, s] = await this.call(() => this.redis.hmget(`${this.opts.prefix}slow:${key}`, 'f', 's'));
    return backoffFactor(spec, f !== null && s !== null ? { factor: Number(f), since: Number(s) } : undefined, now);
  }

  async ping(): Promise<void> {
    await this.call(() => this.redis.ping());
  }

  /** Redis's clock minus this process's, in ms (half the round trip allowed for): a warning sign past a second. */
  async clockSkewMs(): Promise<number> {
    const before = Date.now();
    const [sec, usec] = await this.call(() => this.redis.time());
    const after = Date.now();
    return Math.round(Number(sec) * 1000 + Number(usec) / 1000 - (before + after) / 2);
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') {
      try {
        await this.redis.quit();
        return;
      } catch {
        // Fall through: drop the connection.
      }
    }
    this.redis.disconnect();
  }

  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      throw new AppError('LIMITER_UNAVAILABLE', `shared rate limiter at ${this.where} (POSTFLOW_REDIS_URL) failed: ${(err as Error).message}`, { retryable: true, cause: err });
    }
  }
}
