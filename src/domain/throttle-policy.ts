import type { RateSpec } from './gcra.js';

/** Per-recipient-domain limits in messages per minute; `*` is any other domain; 0 means unlimited. */
export type DomainLimits = Record<string, number>;

/** Seed 000's defaults: gmail.com 100, yahoo.com 50, outlook.com 75, hotmail.com 75, any other 200 per minute. */
export const DEFAULT_DOMAIN_LIMITS: DomainLimits = { 'gmail.com': 100, 'yahoo.com': 50, 'outlook.com': 75, 'hotmail.com': 75, '*': 200 };

/**
 * Parse "gmail.com=100,yahoo.com=50,*=200" (per minute) into limits; the seed defaults fill in domains not named.
 * Returns the limits, or a string naming the bad entry.
 */
export function parseDomainLimits(text: string): DomainLimits | string {
  const out: DomainLimits = { ...DEFAULT_DOMAIN_LIMITS };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\*|[a-z0-9.-]+\.[a-z0-9-]+)=(\d+)$/i.exec(part);
    if (!m) return `"${part}" is not domain=perMinute (e.g. gmail.com=100 or *=200)`;
    out[m[1]!.toLowerCase()] = Number(m[2]);
  }
  return out;
}

/**
 * The rate for a recipient domain, or null when it is unlimited. A burst of a tenth of the limit may go at once;
 * the sustained rate is lowered by the burst so that no 60-second window ever holds more than the limit.
 */
export function domainRate(limits: DomainLimits, domain: string): RateSpec | null {
  const perMinute = limits[domain] ?? limits['*'] ?? 0;
  if (perMinute <= 0) return null;
  const burst = Math.max(1, Math.floor(perMinute / 10));
  return { perSecond: Math.max(1, perMinute - burst) / 60, burst };
}
