import { InvalidArgumentError, type Command } from 'commander';

const count = (v: string): number => {
  if (!/^\d+$/.test(v) || Number(v) > 1_000_000_000) throw new InvalidArgumentError('expected a whole number of messages');
  return Number(v);
};

/** `capacity`: what a pool (or every sender) can still send today, its daily capacity, and how long a volume takes. */
export function registerCapacityCommand(program: Command): void {
  program.command('capacity').description('Remaining today, daily capacity and time to send a volume, for a sender pool or every sender')
    .option('--pool <id>', 'a sender pool (default: every sender)')
    .option('--messages <n>', 'a volume to estimate the sending time of', count)
    .option('--json', 'print the report as JSON')
    .action(async (o: { pool?: string; messages?: number; json?: boolean }) => {
      const { loadConfig } = await import('../../config/config.js');
      const { AppError } = await import('../../domain/errors.js');
      const { createRuntime } = await import('../runtime.js');
      const { exitOnConfigError } = await import('../serve.js');
      const { capacityView } = await import('../../adapters/http/sender-views.js');
      let rt;
      try {
        // No delivery here: no workers, so no delivery threads either.
        rt = await createRuntime({ ...loadConfig(process.env), logLevel: 'silent', workers: 0 });
      } catch (err) {
        return exitOnConfigError(err);
      }
      try {
        const c = capacityView(await rt.senders.capacity.report({ pool: o.pool, messages: o.messages }));
        if (o.json) {
          process.stdout.write(`${JSON.stringify(c)}\n`);
          return;
        }
        const n = (v: number | null, unlimited = 'unlimited'): string => (v === null ? unlimited : v.toLocaleString('en-US'));
        const lines = [
          `pool:              ${c.pool ?? '(every sender)'}`,
          `senders:           ${c.usable_senders} usable of ${c.senders}${c.accounts ? `, ${c.accounts} service account${c.accounts === 1 ? '' : 's'}` : ''}`,
          `remaining today:   ${n(c.remaining_today)}`,
          `daily capacity:    ${n(c.daily_capacity)}${c.formula ? `  (${c.formula})` : ''}`,
          `rate ceiling:      ${c.rate_ceiling_per_second === null ? 'none' : `${c.rate_ceiling_per_second.toFixed(2)}/s`}`,
          `measured rate:     ${c.measured_per_second === null ? 'nothing sent in the last hour' : `${c.measured_per_second.toFixed(2)}/s`}`,
        ];
        if (o.messages !== undefined) lines.push(`${n(c.messages)} messages: ${c.eta ?? 'unknown (no rate limit and nothing measured yet)'}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        process.stderr.write(`postflow capacity: ${err.code}: ${err.message}\n`);
        process.exitCode = 2;
      } finally {
        await rt.senders.close();
        await rt.transport.close();
        await rt.store.close();
      }
    });
}
