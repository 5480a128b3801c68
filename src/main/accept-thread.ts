// Entry of an accept thread (see AcceptThreads): parses and validates the send-batch bodies the main thread posts
// and answers each with its drafts and refusals. Inline Liquid is syntax-checked by a template engine of its own.
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../ports/clock.js';
import { TemplateEngine } from '../compose/template-engine.js';
import { TemplateCatalog } from '../services/template-catalog.js';
import { packDrafts, parseSendBatch } from '../services/send-batch-parse.js';
import type { AcceptThreadData, AcceptThreadReply, AcceptThreadRequest } from '../services/accept-threads.js';
import { THREAD_READY } from '../services/thread-ready.js';

const data = workerData as AcceptThreadData;
const port = parentPort!;
// Only inline content is compiled here (for its syntax check); stored templates are never read by this thread.
const catalog = new TemplateCatalog({ getTemplate: async () => null, getTemplateVersion: async () => null }, new TemplateEngine(), systemClock);
const checkInline = catalog.inline.bind(catalog);

port.on('message', (m: AcceptThreadRequest) => {
  let reply: AcceptThreadReply;
  try {
    const r = parseSendBatch(m.body, { now: m.now, defaultFrom: data.defaultFrom, checkInline });
    reply = { seq: m.seq, result: r.ok ? { ...r, drafts: packDrafts(r.drafts) } : r };
  } catch (err) {
    reply = { seq: m.seq, failed: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
port.postMessage(THREAD_READY);
