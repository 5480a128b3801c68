// Test doubles for ports whose real adapters are tested elsewhere: a settable clock and a scripted transport.
import type { Clock } from '../../src/ports/clock.js';
import type { OutgoingMessage, SendOutcome, Transport } from '../../src/ports/transport.js';

/** A clock that moves only when told. */
export class FakeClock implements Clock {
  constructor(public t = 1_800_000_000_000) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A transport that records what it was given and answers with `script(message, attemptNo)`. */
export class ScriptedTransport implements Transport {
  readonly name = 'scripted';
  readonly delivered: OutgoingMessage[] = [];
  private readonly tries = new Map<string, number>();
  constructor(private readonly script: (m: OutgoingMessage, attempt: number) => SendOutcome = () => ({ ok: true, providerMessageId: 'p', response: '250 OK' })) {}
  async sendBatch(messages: OutgoingMessage[]): Promise<SendOutcome[]> {
    return messages.map((m) => {
      const n = (this.tries.get(m.id) ?? 0) + 1;
      this.tries.set(m.id, n);
      const out = this.script(m, n);
      if (out.ok) this.delivered.push(m);
      return out;
    });
  }
  async close(): Promise<void> {}
}
