import type { Command } from 'commander';

/** `sink`: a local SMTP sink for demos, tests and benchmarks. */
export function registerSinkCommand(program: Command): void {
  program.command('sink').description('A local SMTP sink for demos, tests and benchmarks: counts, and optionally stores, what it receives')
    .option('--port <port>', 'TCP port (0: any free port)', '2525')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--store <dir>', 'write each message to <dir>/<n>.eml, envelope in X-Sink-* headers')
    .option('--reply <rule>', "reply to matching recipients at RCPT TO, e.g. '*@bounce.test=550 5.1.1 No such user' (repeatable)", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--report-every <seconds>', 'print totals and rate this often while mail arrives (0: never)', '5')
    .action(async (o: { port: string; host: string; store?: string; reply: string[]; reportEvery: string }, cmd: Command) => {
      // Loaded here, not at the top: no other command needs the sink.
      const { SmtpSink } = await import('../../adapters/sink/smtp-sink.js');
      const { EmlStore } = await import('../../adapters/sink/eml-store.js');
      const { parseReplyRule } = await import('../../adapters/sink/reply-rules.js');
      const { progressLine, summaryLine } = await import('../../adapters/sink/sink-report.js');
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
}
