import { InvalidArgumentError, type Command } from 'commander';
import { withRuntime } from './with-runtime.js';

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
      const { capacityView } = await import('../../adapters/http/sender-views.js');
      await withRuntime('capacity', async (rt) => {
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
      });
    });
}
