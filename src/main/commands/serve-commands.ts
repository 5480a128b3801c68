import type { Command } from 'commander';

/** `start`, `api`, `worker`, `migrate`. Heavy modules load inside the actions, so other commands start fast. */
export function registerServeCommands(program: Command): void {
  program.command('start').description('API, dashboard and delivery workers in one process').action(async () => {
    const { serve } = await import('../serve.js');
    await serve({ api: true, worker: true });
  });
  program.command('api').description('API and dashboard only (no delivery)').action(async () => {
    const { serve } = await import('../serve.js');
    await serve({ api: true, worker: false });
  });
  program.command('worker').description('Delivery workers only').action(async () => {
    const { serve } = await import('../serve.js');
    await serve({ api: false, worker: true });
  });
  program.command('migrate').description('Apply pending database migrations and exit').action(async () => {
    const { loadConfig } = await import('../../config/config.js');
    const { exitOnConfigError } = await import('../serve.js');
    const { openStore } = await import('../../adapters/store/open-store.js');
    let config;
    try {
      config = loadConfig(process.env);
    } catch (err) {
      return exitOnConfigError(err);
    }
    const store = openStore(config.databaseUrl, config.dataDir, 1);
    const applied = await store.migrate();
    await store.close();
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'nothing to apply: the schema is up to date\n');
  });
}
