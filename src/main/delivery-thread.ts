// Entry of a delivery thread (see ThreadedComposeSend): builds its own transport and template cache from
// workerData, composes and sends the batches the main thread posts, and answers their results in order.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { FileSentJournal } from '../adapters/journal/file-sent-journal.js';
import { systemClock } from '../ports/clock.js';
import type { TemplateVersion } from '../ports/store.js';
import { TemplateEngine, type TemplateSource } from '../compose/template-engine.js';
import { TemplateCatalog } from '../services/template-catalog.js';
import { closeJournal, InProcessComposeSend } from '../engine/compose-send.js';
import type { ThreadBatch, ThreadReply } from '../engine/threaded-compose-send.js';
import { createTransport, type TransportContext } from '../adapters/transports/registry.js';
import { THREAD_READY } from '../services/thread-ready.js';

/** What the main thread gives a delivery thread to build itself from. */
export interface DeliveryThreadData {
  transport: { name: string; ctx: TransportContext };
  dkim?: { domain: string; selector: string; privateKeyPem: string };
  /** The sent journal's folder and retention: the thread writes a file series of its own there. */
  journal?: { dir: string; retainMs: number };
}

const data = workerData as DeliveryThreadData;
const port = parentPort!;
const sources = new Map<string, TemplateSource>();
const engine = new TemplateEngine();
const reader = {
  getTemplate: async () => null,
  getTemplateVersion: async (templateId: string, version: number): Promise<TemplateVersion | null> => {
    const s = sources.get(`${templateId}@${version}`);
    return s ? { templateId, version, ...s, variables: [], createdAt: 0 } : null;
  },
};
const dkim = data.dkim ? { domain: data.dkim.domain, selector: data.dkim.selector, privateKey: createPrivateKey(data.dkim.privateKeyPem) } : undefined;
const journal = data.journal ? new FileSentJournal(data.journal.dir, `${process.pid}-t${threadId}-${randomBytes(3).toString('hex')}`, data.journal.retainMs) : undefined;
const composeSend = new InProcessComposeSend(new TemplateCatalog(reader, engine, systemClock), engine, createTransport(data.transport.name, data.transport.ctx), dkim, journal);

port.on('message', (m: ThreadBatch | { type: 'close' }) => {
  if (m.type === 'close') {
    void composeSend.close().then(() => journal && closeJournal(journal)).finally(() => {
      port.postMessage({ type: 'closed' } satisfies ThreadReply);
      port.close();
    });
    return;
  }
  for (const [key, source] of m.templates) sources.set(key, source);
  void composeSend.run(m.batch, m.now, m.inDoubt).then((results) => port.postMessage({ type: 'results', seq: m.seq, results, cache: { ...engine.stats } } satisfies ThreadReply));
});
port.postMessage(THREAD_READY);
