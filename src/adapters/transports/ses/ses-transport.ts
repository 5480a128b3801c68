import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { lazyRequire } from '../../lazy-require.js';
import type { OutgoingMessage, SendHooks, SendOutcome, Transport } from '../../../ports/transport.js';
import { SendSlots } from '../send-slots.js';
import { classifySesError } from './classify-ses-error.js';

const sdk = lazyRequire<typeof import('@aws-sdk/client-sesv2')>('@aws-sdk/client-sesv2');

/** Where and as whom the SES transport sends. */
export interface SesTransportOptions {
  /** AWS region of the SES account, e.g. `eu-west-1`. */
  region: string;
  /** Another endpoint than the region's (a VPC endpoint, or a test's fake). */
  endpoint?: string;
  /** Static credentials; without them the SDK's default chain (environment, profile, instance role) is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Envelope sender for every message instead of the message's own (must be a verified identity). */
  fromEmailAddress?: string;
  /** SES configuration set (event publishing, dedicated IPs). */
  configurationSetName?: string;
  /** Requests in flight at once (default 10). */
  concurrency?: number;
  /** Deadline of one request (default 30 s). */
  timeoutMs?: number;
  /** Attempts the SDK makes per message (default 1: the delivery engine retries with its own backoff). */
  maxAttempts?: number;
}

/**
 * The ses transport: SES v2 `SendEmail` with the finished bytes as `Content.Raw.Data`, the envelope as
 * `FromEmailAddress` and `Destination.ToAddresses`. Up to `concurrency` requests in flight; errors are classified
 * by classifySesError. The provider message id is SES's `MessageId`. Never throws for a message.
 */
export class SesTransport implements Transport {
  readonly name = 'ses';
  private readonly client: SESv2Client;
  private readonly slots: SendSlots;
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;
  private destroyed = false;

  constructor(private readonly opts: SesTransportOptions) {
    this.client = new (sdk().SESv2Client)({
      region: opts.region,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      maxAttempts: opts.maxAttempts ?? 1,
      requestHandler: { requestTimeout: opts.timeoutMs ?? 30_000, throwOnRequestTimeout: true, connectionTimeout: Math.min(opts.timeoutMs ?? 30_000, 10_000) },
    });
    this.slots = new SendSlots(opts.concurrency ?? 10);
  }

  sendBatch(messages: OutgoingMessage[], hooks?: SendHooks): Promise<SendOutcome[]> {
    if (messages.length === 0) return Promise.resolve([]);
    if (this.closed) return Promise.resolve(messages.map(() => closedOutcome()));
    const run = this.slots.sendEach(messages, (m) => this.sendOne(m), hooks);
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return run;
  }

  /** Refuse new sends (transiently), wait for the requests in flight, release the SDK's sockets. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.running]);
    if (!this.destroyed) {
      this.destroyed = true;
      this.client.destroy();
    }
  }

  private async sendOne(m: OutgoingMessage): Promise<SendOutcome> {
    if (this.closed) return closedOutcome();
    try {
      const out = await this.client.send(new (sdk().SendEmailCommand)({
        FromEmailAddress: this.opts.fromEmailAddress ?? m.envelope.from,
        Destination: { ToAddresses: m.envelope.to },
        Content: { Raw: { Data: m.raw } },
        ...(this.opts.configurationSetName ? { ConfigurationSetName: this.opts.configurationSetName } : {}),
      }));
      // A 200 means SES took the message; without an id in the answer, the Message-ID still identifies it.
      if (out.MessageId) return { ok: true, providerMessageId: out.MessageId, response: `ses accepted as ${out.MessageId}` };
      return { ok: true, providerMessageId: m.messageId, response: 'ses accepted (no MessageId in the answer)' };
    } catch (err) {
      return classifySesError(err);
    }
  }
}

function closedOutcome(): SendOutcome {
  return { ok: false, permanent: false, response: 'ses transport closed before the message could be sent' };
}
