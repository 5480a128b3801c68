import { join } from 'node:path';
import type { Transport } from '../../ports/transport.js';
import { CaptureTransport } from './capture/capture-transport.js';
import { SmtpTransport } from './smtp/smtp-transport.js';
import type { PoolShare } from './smtp/smtp-options.js';

/** What a transport factory may read. */
export interface TransportContext {
  dataDir: string;
  smtpUrl?: string;
  /**
   * This transport is one of several built from the same settings in one process (one per delivery thread): a relay's
   * connection limit (max_connections) is split between them, so that the relay sees the limit, not a multiple of it.
   */
  share?: PoolShare;
}

/** A transport factory, registered by name. Open set: a new transport adds one line here. */
export type TransportFactory = (ctx: TransportContext) => Transport;

const factories = new Map<string, TransportFactory>([
  ['capture', (ctx) => new CaptureTransport(join(ctx.dataDir, 'outbox'))],
  ['smtp', (ctx) => SmtpTransport.fromUrl(ctx.smtpUrl, {}, ctx.share)],
]);

/** Names of the registered transports. */
export function transportNames(): string[] {
  return [...factories.keys()];
}

/** Build the named transport, or throw naming the ones that exist. */
export function createTransport(name: string, ctx: TransportContext): Transport {
  const f = factories.get(name);
  if (!f) throw new Error(`unknown transport "${name}" (known: ${transportNames().join(', ')})`);
  return f(ctx);
}
