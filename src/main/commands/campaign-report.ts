import type { Static } from '@sinclair/typebox';
import type { CampaignSchema, CampaignStatsSchema } from '../../adapters/http/campaign-view.js';

/** A campaign as the API (and `--json`) shows it. */
export type CampaignJson = Static<typeof CampaignSchema>;
/** A campaign's live statistics as the API (and `--json`) shows them. */
export type CampaignStatsJson = Static<typeof CampaignStatsSchema>;

const n = (v: number): string => v.toLocaleString('en-US');
const when = (iso: string | null): string => (iso === null ? '-' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'));

/** Seconds as a short duration: "45 s", "12 min", "3 h 05 min", "2 d 4 h". */
export function duration(s: number): string {
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.round((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86_400)} d ${Math.round((s % 86_400) / 3600)} h`;
}

/** The audience in a few words: `tags a, b`, `segment 01K…` or the rule as JSON. */
export function audienceText(a: CampaignJson['audience']): string {
  if (a.tags) return `tags ${a.tags.join(', ')}`;
  if (a.segment_id) return `segment ${a.segment_id}`;
  return `rule ${JSON.stringify(a.rule)}`;
}

/** Rows as aligned columns under a header (no dependency; widths from the content). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `campaign list`: one line per campaign. */
export function listReport(campaigns: CampaignJson[]): string {
  if (campaigns.length === 0) return 'no campaigns';
  return table(['ID', 'STATUS', 'TEMPLATE', 'AUDIENCE', 'CREATED', 'NAME'],
    campaigns.map((c) => [c.id, c.status, c.template_id, audienceText(c.audience), when(c.created_at), c.name]));
}

/** `campaign show`: the settings, then the live statistics as a small table. */
export function showReport(c: CampaignJson, s: CampaignStatsJson): string {
  const head = [
    ['campaign', `${c.id}  ${c.name}`],
    ['status', c.status_reason ? `${c.status} (${c.status_reason})` : c.status],
    ['template', c.template_version === null ? c.template_id : `${c.template_id} v${c.template_version}`],
    ['audience', audienceText(c.audience)],
    ['pool', c.sender_pool ?? '(default transport)'],
    ['pacing', `${n(c.rate_limit_per_hour)}/h, concurrency ${c.concurrency}`],
    ['scheduled', when(c.scheduled_at)],
    ['started', when(c.started_at)],
    ['finished', when(c.finished_at)],
  ];
  const counts: Array<[string, number]> = [
    ['targeted', s.targeted], ['queued', s.queued + s.sending], ['sent', s.sent], ['failed', s.failed], ['bounced', s.bounced],
    ['suppressed', s.suppressed], ['unsubscribed', s.unsubscribed],
  ];
  const width = Math.max(...counts.map(([, v]) => n(v).length));
  const stats = [
    ...counts.map(([k, v]) => [k, n(v).padStart(width)]),
    ['success rate', s.success_rate === null ? '-' : `${s.success_rate.toFixed(2)} %`],
    ['throughput', `${s.throughput_per_minute.toFixed(1)}/min`],
    ['ETA', s.eta_seconds === null ? '-' : s.remaining === 0 ? 'done' : `${duration(s.eta_seconds)} (${n(s.remaining)} left)`],
  ];
  const label = Math.max(...[...head, ...stats].map(([k]) => k!.length));
  const fmt = (rows: string[][]) => rows.map(([k, v]) => `${k!.padEnd(label)}  ${v}`).join('\n');
  return `${fmt(head)}\n\n${fmt(stats)}`;
}
