/** What the delivery engine reports; the Prometheus adapter turns it into series. */
export interface DeliveryMetrics {
  /** `count` messages (default 1) finished an attempt with `result` (sent, deferred, failed…) on `transport`. */
  sendResult(transport: string, result: string, count?: number): void;
  /** Accept-to-final time of a message, in seconds. */
  processingDuration(seconds: number): void;
  /** Messages currently handed to a transport and not yet answered. */
  inFlight(delta: number): void;
}

/** Metrics that go nowhere. */
export const noMetrics: DeliveryMetrics = { sendResult: () => undefined, processingDuration: () => undefined, inFlight: () => undefined };
