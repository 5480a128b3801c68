import type { Runtime } from '../runtime.js';

/**
 * Run a one-shot command (`send`, `capacity`, `campaign …`) on the configured store and services: silent logs and no
 * delivery workers (a running `postflow start`/`worker` delivers). A bad configuration exits 78; an AppError prints
 * `postflow <name>: CODE: message` and sets exit code 2; everything opened is closed.
 */
export async function withRuntime(name: string, fn: (rt: Runtime) => Promise<void>): Promise<void> {
  const { loadConfig } = await import('../../config/config.js');
  const { AppError } = await import('../../domain/errors.js');
  const { closeRuntime, createRuntime } = await import('../runtime.js');
  const { exitOnConfigError } = await import('../serve.js');
  let rt: Runtime;
  try {
    rt = await createRuntime({ ...loadConfig(process.env), logLevel: 'silent', workers: 0 });
  } catch (err) {
    return exitOnConfigError(err);
  }
  try {
    await fn(rt);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    process.stderr.write(`postflow ${name}: ${err.code}: ${err.message}\n`);
    process.exitCode = 2;
  } finally {
    await closeRuntime(rt);
  }
}
