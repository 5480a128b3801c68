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

program.command('sink').description('A local SMTP sink for demos, tests and benchmarks: counts, and optionally stores, what it receives')
  .option('--port <port>', 'TCP port (0: any free port)', '2525')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--store <dir>', 'write each message to <dir>/<n>.eml, envelope in X-Sink-* headers')
  .option('--reply <rule>', "reply to matching recipients at RCPT TO, e.g. '*@bounce.test=550 5.1.1 No such user' (repeatable)", (v: string, prev: string[]) => [...prev, v], [] as string[])
  .option('--report-every <seconds>', 'print totals and rate this often while mail arrives (0: never)', '5')
  .action(async (o: { port: string; host: string; store?: string; reply: string[]; reportEvery: string }, cmd: Command) => {
    // Loaded here, not at the top: no other command needs the sink.
    const { SmtpSink } = await import('../adapters/sink/smtp-sink.js');
    const { EmlStore } = await import('../adapters/sink/eml-store.js');
    const { parseReplyRule } = await import('../adapters/sink/reply-rules.js');
    const { progressLine, summaryLine } = await import('../adapters/sink/sink-report.js');
    const port = Number(o.port);
    const every = Number(o.reportEvery);
    if (!Number.isInteger(port) || port < 0 || port > 65535) cmd.error(`postflow sink: --port ${o.port} is not a TCP port`);
    if (!Number.isFinite(every) || every < 0) cmd.error(`postflow sink: --report-every ${o.reportEvery} is not a number of seconds`);
    let replies;
    try {
      replies = o.reply.map(parseReplyRule);
    } catch (err) {
      cmd.error(`postflow sink: --reply ${(err as Error).message}`);
    }
    const store = o.store === undefined ? null : await EmlStore.open(o.store);
    const sink = new SmtpSink({ replies, onMessage: store ? (m) => store.write(m) : undefined });
    const bound = await sink.listen(port, o.host);
    process.stdout.write(`postflow sink: listening on ${bound.host}:${bound.port}${store ? `, storing to ${store.dir}` : ''}${replies.length ? `, ${replies.length} reply rules` : ''}\n`);
    let mark = { messages: 0, at: Date.now() };
    // A line only when mail arrived since the last one: an idle sink stays quiet.
    const timer = every > 0 ? setInterval(() => {
      const now = Date.now();
      const s = sink.stats();
      if (s.messages === mark.messages) return;
      process.stdout.write(`${progressLine(s, mark, now)}\n`);
      mark = { messages: s.messages, at: now };
    }, every * 1000) : null;
    const stop = async (): Promise<void> => {
      if (timer) clearInterval(timer);
      await sink.close();
      process.stdout.write(`${summaryLine(sink.stats(), Date.now())}\n`);
    };
    // once: a second signal while closing gets the default action and ends the process.
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });

const positiveInt = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1`);
  return n;
};

program.command('bench').description('End-to-end throughput: a fresh Postflow delivers N personalised ~4 KB messages over SMTP to a local sink')
  .option('--messages <n>', 'messages to send', positiveInt('--messages'), 50_000)
  .option('--batch <n>', 'messages per send-batch request', positiveInt('--batch'), 1000)
  .option('--concurrency <n>', 'concurrent HTTP requests', positiveInt('--concurrency'), 4)
  .option('--workers <n>', 'delivery loops (POSTFLOW_WORKERS)', positiveInt('--workers'), 8)
  .option('--batch-size <n>', 'messages claimed per loop (POSTFLOW_BATCH_SIZE)', positiveInt('--batch-size'), 200)
  .option('--sink <host:port>', 'an SMTP sink already listening (default: start `postflow sink`)')
  .option('--timeout <s>', 'give up after this many seconds', positiveInt('--timeout'), 600)
  .option('--json', 'print the result as one JSON line')
  .option('--cpu-prof <dir>', 'write a V8 CPU profile of the server into this folder')
  .action(async (o: { messages: number; batch: number; concurrency: number; workers: number; batchSize: number; sink?: string; timeout: number; json?: boolean; cpuProf?: string }) => {
    const { runBench } = await import('./bench/run-bench.js');
    const r = await runBench({ ...o, timeoutSec: o.timeout }, (line) => process.stderr.write(`bench: ${line}\n`));
    if (o.json) {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return;
    }
    const f = (n: number | null, d = 0) => (n === null || Number.isNaN(n) ? 'n/a' : n.toFixed(d));
    process.stdout.write([
      `messages           ${r.messages} (sent ${r.sent}${Object.keys(r.notSent).length ? `, other ${JSON.stringify(r.notSent)}` : ''})`,
      `accepted/s         ${f(r.acceptedPerSec)}  (${f(r.acceptSeconds, 2)} s)`,
      `delivered/s        ${f(r.deliveredPerSec)}  (${f(r.deliverSeconds, 2)} s from the first request to the last result)`,
      `server CPU         ${f(r.serverCpuSeconds, 1)} s   peak RSS ${f(r.serverPeakRssMiB)} MiB`,
      `sink CPU           ${f(r.sinkCpuSeconds, 1)} s`,
      `accept→delivered   p50 ${f(r.latencyP50Ms)} ms   p99 ${f(r.latencyP99Ms)} ms`,
    ].join('\n') + '\n');
  });

await program.parseAsync(process.argv);
