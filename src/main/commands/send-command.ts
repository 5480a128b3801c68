import { InvalidArgumentError, type Command } from 'commander';
import { PRIORITIES } from '../../domain/priority.js';
import { withRuntime } from './with-runtime.js';

const collectVar = (value: string, prev: Record<string, string>): Record<string, string> => {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected name=value');
  return { ...prev, [value.slice(0, eq)]: value.slice(eq + 1) };
};

/** `send`: queue one message through the same validation as the API. */
export function registerSendCommand(program: Command): void {
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
      const body: Record<string, unknown> = { to: o.to, variables: o.var };
      for (const [opt, field] of [['from', 'from'], ['template', 'template_id'], ['subject', 'subject'], ['html', 'html'], ['text', 'text'], ['priority', 'priority'], ['sendAt', 'send_at'], ['idempotencyKey', 'idempotency_key']] as const) {
        if (o[opt] !== undefined) body[field] = o[opt];
      }
      await withRuntime('send', async (rt) => {
        const r = await rt.accept.sendOne(body, null);
        process.stdout.write(`${JSON.stringify(r)}\n`);
      });
    });
}
