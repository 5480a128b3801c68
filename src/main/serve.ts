import { setFlagsFromString } from 'node:v8';
import { loadConfig, type Config } from '../config/config.js';
import { serverNodeFlags } from '../config/gc-mode.js';
import { AppError } from '../domain/errors.js';
import { closeRuntime, createHttp, createRuntime, type Runtime } from './runtime.js';

/** Which parts a process runs. */
export interface ServeRoles {
  api: boolean;
  worker: boolean;
}

/** Print a configuration error plainly and exit 78 (EX_CONFIG). */
export function exitOnConfigError(err: unknown): never {
  if (err instanceof AppError && err.code === 'CONFIG_INVALID') {
    process.stderr.write(`postflow: ${err.message}\n`);
    process.exit(78);
  }
  throw err;
}

/**
 * At start of the workers: say whether Redis answers, and warn when its clock and ours differ by more than a second
 * (the limiter keeps the callers' time, so processes' clocks must agree: docs/adr/0019-redis-limiter.md).
 */
async function checkRedis(rt: Runtime): Promise<void> {
  try {
    const skew = await rt.redisLimiter!.clockSkewMs();
    if (Math.abs(skew) > 1000) rt.log.warn({ skew_ms: skew }, 'this machine\'s clock and Redis\'s differ by more than a second: keep every machine on NTP, or limits shared through Redis drift by that much');
    else rt.log.info({ skew_ms: skew, prefix: rt.config.redisPrefix }, 'shared rate limiter: Redis answers');
  } catch (err) {
    rt.log.error({ err: (err as Error).message }, 'Redis (POSTFLOW_REDIS_URL) does not answer: throttled messages wait until it does; none is sent unthrottled');
  }
}

/**
 * V8 grows its old generation to several times what is live before it collects (at the accept path's allocation
 * rate, ~145 MiB of heap for ~30 MiB live); a smaller growing factor keeps the heap near what is live at no
 * measured cost in CPU (docs/adr/0021-heap-growing-factor.md). The flag is read each time V8 sets the next limit,
 * so setting it at start takes effect; it applies to the delivery threads too (V8 flags are per process).
 */
export function applyHeapPolicy(config: Pick<Config, 'heapGrowingPercent'>): void {
  if (config.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
}

/** Run Postflow in this process: API and/or workers, until SIGINT/SIGTERM. */
export async function serve(roles: ServeRoles): Promise<Runtime> {
  let rt: Runtime;
  try {
    const config = loadConfig(process.env);
    applyHeapPolicy(config);
    rt = await createRuntime(config);
  } catch (err) {
    exitOnConfigError(err);
  }
  const { config, log } = rt;
  const gcFlags = serverNodeFlags(config.gc);
  if (gcFlags.some((f) => !process.execArgv.includes(f))) {
    log.warn({ gc: config.gc, flags: gcFlags }, 'this process was started without the Node flags POSTFLOW_GC asks for (run it through bin/postflow.js, or pass them to node): garbage collection stays parallel');
  }
  const generated = await rt.apiKeys.ensureAdmin(config.adminKey);
  if (generated) {
    process.stdout.write(`\n  Postflow created an admin API key. It is shown this once; keep it:\n\n    ${generated}\n\n`);
  }
  // Worker threads start before the API listens and the loops claim: started by the first request and the first batch,
  // they cost those ~0.5 s while the process was already busy (bench/RESULTS.md, session 11). One that cannot start
  // stops the server here, plainly, instead of failing every batch later.
  try {
    await Promise.all([roles.api ? rt.acceptThreads?.start() : undefined, roles.worker ? rt.threads?.start() : undefined]);
  } catch (err) {
    process.stderr.write(`postflow: ${(err as Error).message}\n`);
    await closeRuntime(rt);
    process.exit(1);
  }
  const app = roles.api ? await createHttp(rt) : null;
  if (app) {
    let address: string;
    try {
      address = await app.listen({ port: config.port, host: config.host });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw err;
      const why = code === 'EADDRINUSE' ? 'the port is in use by another process' : code === 'EACCES' ? 'not permitted (a port below 1024 needs privileges)' : 'no interface of this machine has that address';
      process.stderr.write(`postflow: cannot listen on ${config.host}:${config.port} (POSTFLOW_HOST, POSTFLOW_PORT): ${why}\n`);
      await closeRuntime(rt);
      process.exit(1);
    }
    log.info({ address, store: rt.store.dialect, transport: rt.transport.name }, `Postflow API and dashboard on ${address}`);
  }
  if (roles.worker) {
    rt.worker.start();
    rt.senders.syncLoop.start();
    rt.campaigns.runner.start();
    log.info({ loops: config.workers, transport: rt.transport.name, limiter: rt.redisLimiter ? 'redis' : 'memory' }, 'delivery workers started');
    if (rt.redisLimiter) void checkRedis(rt);
  }
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await app?.close();
    await closeRuntime(rt);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return rt;
}
