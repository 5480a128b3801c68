import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/config.js';
import { AppError } from '../domain/errors.js';
import { PRIORITIES } from '../domain/priority.js';
import { openStore } from '../adapters/store/open-store.js';
import { createRuntime, packageVersion } from './runtime.js';
import { exitOnConfigError, serve } from './serve.js';

const program = new Command('postflow').description('Postflow: self-hosted, high-throughput email').version(packageVersion());

program.command('start').description('API, dashboard and delivery workers in one process').action(async () => {
  await serve({ api: true, worker: true });
});
program.command('api').description('API and dashboard only (no delivery)').action(async () => {
  await serve({ api: true, worker: false });
});
program.command('worker').description('Delivery workers only').action(async () => {
  await serve({ api: false, worker: true });
});

program.command('migrate').description('Apply pending database migrations and exit').action(async () => {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    exitOnConfigError(err);
  }
  const store = openStore(config.databaseUrl, config.dataDir, 1);
  const applied = await store.migrate();
  await store.close();
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'nothing to apply: the schema is up to date\n');
});

const collectVar = (value: string, prev: Record<string, string>): Record<string, string> => {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected name=value');
  return { ...prev, [value.slice(0, eq)]: value.slice(eq + 1) };
};

program.command('send').description('Queue one message (workers deliver it)')
  .requiredOption('--to <address>', 'recipient')
  .option('--from <address>', 'sender (default: POSTFLOW_FROM)')
  .option('--template <id>', 'template id')
  .option('--subject <subject>', 'inline subject (Liquid)')
  .option('--html <html>', 'inline HTML body (Liquid)')
  .option('--text <text>', 'inline text body (Liquid)')
  .option('--var <name=value>', 'a template variable (repeatable)', collectVar, {})
  .option('--priority <priority>', `one of ${PRIORITIES.join(', ')}`)
  .option('--send-at <iso>', 'do not send before this time')
  .option('--idempotency-key <key>', 'a repeated key returns the first message')
  .action(async (o: Record<string, unknown>) => {
    let rt;
    try {
      rt = await createRuntime({ ...loadConfig(process.env), logLevel: 'silent' });
    } catch (err) {
      exitOnConfigError(err);
    }
    const body: Record<string, unknown> = { to: o.to, variables: o.var };
    for (const [opt, field] of [['from', 'from'], ['template', 'template_id'], ['subject', 'subject'], ['html', 'html'], ['text', 'text'], ['priority', 'priority'], ['sendAt', 'send_at'], ['idempotencyKey', 'idempotency_key']] as const) {
      if (o[opt] !== undefined) body[field] = o[opt];
    }
    try {
      const r = await rt.accept.sendOne(body, null);
      process.stdout.write(`${JSON.stringify(r)}\n`);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      process.stderr.write(`postflow send: ${err.code}: ${err.message}\n`);
      process.exitCode = 2;
    } finally {
      await rt.store.close();
    }
  });

await program.parseAsync(process.argv);
