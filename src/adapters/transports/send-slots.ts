/**
 * A per-transport limit on sends in flight: `run` starts its task when one of `limit` slots is free, in the
 * order the tasks were handed in, whichever `sendBatch` call they came from.
 */
export class SendSlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`send concurrency must be a whole number ≥ 1 (got ${limit})`);
  }

  /** Run `task` in a slot; resolves or rejects as the task does. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so `active` never drops below the number running.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /**
   * Send each message through `send` in a slot; `hooks` hear each request about to go out and each outcome as it
   * comes (Transport.sendBatch's contract). Resolves with the outcomes in the messages' order.
   */
  sendEach<M, O>(messages: M[], send: (m: M) => Promise<O>, hooks?: { onOutcome?(index: number, outcome: O): void; onCommitting?(index: number): void }): Promise<O[]> {
    return Promise.all(messages.map((m, i) => this.run(async () => {
      hooks?.onCommitting?.(i);
      const o = await send(m);
      hooks?.onOutcome?.(i, o);
      return o;
    })));
  }

  /** Tasks running now. */
  get running(): number {
    return this.active;
  }
}
