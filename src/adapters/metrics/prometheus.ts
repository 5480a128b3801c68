import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { priorityName } from '../../domain/priority.js';
import type { DeliveryMetrics } from '../../ports/metrics.js';
import type { Store } from '../../ports/store.js';

/** Where cache statistics come from (hits and misses so far). */
export interface CacheStats {
  name: string;
  stats: { hits: number; misses: number };
}

/** Prometheus series for one Postflow process, on a registry of its own (no global state). */
export class PrometheusMetrics implements DeliveryMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'endpoint' | 'status'>;
  readonly requestDuration: Histogram<'endpoint'>;
  private readonly sends: Counter<'transport' | 'result'>;
  private readonly processing: Histogram;
  private readonly inFlightGauge: Gauge;

  constructor(store: Store, caches: CacheStats[]) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: 'email_requests_total', help: 'API requests by route and HTTP status', labelNames: ['endpoint', 'status'], registers });
    this.requestDuration = new Histogram({ name: 'http_request_duration_seconds', help: 'API request duration by route', labelNames: ['endpoint'], registers, buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] });
    this.sends = new Counter({ name: 'email_sends_total', help: 'Delivery attempts by transport and result', labelNames: ['transport', 'result'], registers });
    this.processing = new Histogram({ name: 'email_processing_duration_seconds', help: 'Time from acceptance to a final result', registers, buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600, 3600] });
    this.inFlightGauge = new Gauge({ name: 'email_in_flight', help: 'Messages handed to a transport and not yet answered', registers });
    new Gauge({
      name: 'email_queue_size',
      help: 'Messages waiting or being sent, by priority and status',
      labelNames: ['priority', 'status'],
      registers,
      async collect() {
        this.reset();
        try {
          for (const d of await store.queueDepth()) this.set({ priority: priorityName(d.priority), status: d.status }, d.count);
        } catch {
          // An unreachable store shows as missing series; /ready reports it.
        }
      },
    });
    const cacheGauge = (name: string, help: string, pick: (s: CacheStats['stats']) => number): void => {
      new Counter({
        name, help, labelNames: ['cache'], registers,
        collect() {
          this.reset();
          for (const c of caches) this.inc({ cache: c.name }, pick(c.stats));
        },
      });
    };
    cacheGauge('cache_hits_total', 'Cache hits by cache', (s) => s.hits);
    cacheGauge('cache_misses_total', 'Cache misses by cache', (s) => s.misses);
  }

  sendResult(transport: string, result: string, count = 1): void {
    this.sends.inc({ transport, result }, count);
  }

  processingDuration(seconds: number): void {
    this.processing.observe(seconds);
  }

  inFlight(delta: number): void {
    this.inFlightGauge.inc(delta);
  }
}
