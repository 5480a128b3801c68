import type { ServiceAccountKey } from '../../ports/google.js';
import type { SecretBox } from '../../ports/secret-box.js';
import type { SenderRecord, SenderStore } from '../../ports/sender-store.js';
import type { SenderTransports } from '../../ports/sender-transports.js';
import type { Transport } from '../../ports/transport.js';
import type { GoogleTokenProvider } from '../google/google-token-provider.js';
import { GmailTransport } from './gmail/gmail-transport.js';
import { SesTransport } from './ses/ses-transport.js';
import { SmtpTransport } from './smtp/smtp-transport.js';

/** What building a sender's transport needs. */
export interface SenderTransportOptions {
  box: SecretBox;
  /** For the service-account key of gmail senders. */
  store: SenderStore;
  google: { apiUrl?: string; tokens: GoogleTokenProvider };
  /** How long a replaced transport keeps serving the batches that hold it before it is closed (default 30 s). */
  retireMs?: number;
}

interface Entry {
  version: string;
  transport: Promise<Transport>;
}

/**
 * One transport per sender, built from its sealed credentials when first needed and reused: an SmtpTransport
 * (pooled connections) for its relay, a GmailTransport for its Workspace user (one token provider for all), an
 * SesTransport for its identity. A sender whose credentials or address changed gets a new one; the old one is
 * closed a little later, after the batches holding it are done.
 */
export class SenderTransportCache implements SenderTransports {
  private readonly entries = new Map<string, Entry>();
  private readonly retiring = new Map<NodeJS.Timeout, Promise<Transport>>();

  constructor(private readonly opts: SenderTransportOptions) {}

  forSender(s: SenderRecord): Promise<Transport> {
    const version = `${s.kind}|${s.email}|${s.serviceAccountId ?? ''}|${s.sealedSecret ?? ''}|${JSON.stringify(s.settings)}`;
    const hit = this.entries.get(s.id);
    if (hit && hit.version === version) return hit.transport;
    if (hit) this.retire(hit.transport);
    const transport = this.build(s);
    this.entries.set(s.id, { version, transport });
    // A build that failed is not kept: the next batch tries again (the credentials may have been fixed).
    transport.catch(() => {
      if (this.entries.get(s.id)?.transport === transport) this.entries.delete(s.id);
    });
    return transport;
  }

  async evict(senderId: string): Promise<void> {
    const hit = this.entries.get(senderId);
    this.entries.delete(senderId);
    if (hit) await hit.transport.then((t) => t.close(), () => undefined);
  }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    const old = [...this.retiring];
    this.retiring.clear();
    for (const [timer] of old) clearTimeout(timer);
    await Promise.all([...all.map((e) => e.transport), ...old.map(([, t]) => t)].map((t) => t.then((tr) => tr.close(), () => undefined)));
  }

  private async build(s: SenderRecord): Promise<Transport> {
    const context = `sender:${s.id}`;
    switch (s.kind) {
      case 'smtp':
        if (!s.sealedSecret) throw new Error('the smtp sender has no relay URL');
        return SmtpTransport.fromUrl(this.opts.box.open(s.sealedSecret, context));
      case 'ses': {
        if (!s.sealedSecret) throw new Error('the ses sender has no access keys');
        const credentials = JSON.parse(this.opts.box.open(s.sealedSecret, context)) as { accessKeyId: string; secretAccessKey: string };
        return new SesTransport({ region: s.settings.region!, endpoint: s.settings.endpoint, credentials, fromEmailAddress: s.email });
      }
      case 'gmail': {
        const account = s.serviceAccountId ? await this.opts.store.getServiceAccount(s.serviceAccountId) : null;
        if (!account) throw new Error(`the gmail sender's service account ${s.serviceAccountId ?? '(none)'} is gone`);
        const key = JSON.parse(this.opts.box.open(account.sealedKey, `service_account:${account.id}`)) as ServiceAccountKey;
        return new GmailTransport({ key, user: s.email, apiUrl: this.opts.google.apiUrl, tokens: this.opts.google.tokens });
      }
      default: {
        const never: never = s.kind;
        throw new Error(`unknown sender kind ${String(never)}`);
      }
    }
  }

  private retire(old: Promise<Transport>): void {
    const timer = setTimeout(() => {
      this.retiring.delete(timer);
      void old.then((t) => t.close(), () => undefined);
    }, this.opts.retireMs ?? 30_000);
    timer.unref();
    this.retiring.set(timer, old);
  }
}
