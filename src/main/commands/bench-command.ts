import { InvalidArgumentError, type Command } from 'commander';

const positiveInt = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1`);
  return n;
};

/** `bench`: the end-to-end throughput benchmark. */
export function registerBenchCommand(program: Command): void {
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
    .option('--node-args <flags>', 'extra Node flags for the server processes, space-separated (e.g. "--trace-gc"; their stdout then goes to stderr)', (v: string) => v.split(/\s+/).filter(Boolean), [] as string[])
    .option('--worker-processes <n>', '0: one `postflow start`; n: `postflow api` + n `postflow worker` processes', (v: string) => Number(v), 0)
    .action(async (o: { messages: number; batch: number; concurrency: number; workers: number; batchSize: number; sink?: string; timeout: number; json?: boolean; cpuProf?: string; workerProcesses: number; nodeArgs: string[] }) => {
      const { runBench } = await import('../bench/run-bench.js');
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
        `then drained at    ${f(r.drainPerSec)}/s  (the ${r.leftAtAcceptEnd} not yet delivered when the last request was answered)`,
        `server CPU         ${f(r.serverCpuSeconds, 1)} s (all Postflow processes)   peak RSS ${f(r.serverPeakRssMiB)} MiB (largest process)`,
        `sink CPU           ${f(r.sinkCpuSeconds, 1)} s`,
        `accept→delivered   p50 ${f(r.latencyP50Ms)} ms   p99 ${f(r.latencyP99Ms)} ms`,
      ].join('\n') + '\n');
    });
}
