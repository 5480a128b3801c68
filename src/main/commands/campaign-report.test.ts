import { describe, it, expect } from 'vitest';
import { duration, listReport, showReport, table, type CampaignJson, type CampaignStatsJson } from './campaign-report.js';

const campaign: CampaignJson = {
  id: '01KCAMPAIGN000000000000000', name: 'Spring sale', template_id: 'news', template_version: 3, audience: { tags: ['vip', 'beta'] },
  sender_pool: null, from: null, rate_limit_per_hour: 3600, concurrency: 5, scheduled_at: null, sending_window: null,
  auto_pause_bounce_rate: 0.05, auto_pause_min_sends: 100, status: 'running', status_reason: null,
  progress: { audience_done: false, targeted: 1200, materialised: 300, skipped: { unsubscribed: 1, bounced: 0, complained: 0, suppressed: 2, missing: 0 } },
  created_at: '2026-11-24T09:00:00.000Z', updated_at: '2026-11-24T09:00:00.000Z', started_at: '2026-11-24T09:01:00.000Z', finished_at: null,
};
const stats: CampaignStatsJson = {
  id: campaign.id, status: 'running', status_reason: null, targeted: 1200, materialised: 300, queued: 40, sending: 5, sent: 250, failed: 1,
  bounced: 4, suppressed: 3, cancelled: 0, skipped: campaign.progress.skipped, opened: 0, clicked: 0, unsubscribed: 2, success_rate: 97.66,
  average_send_time_seconds: 1.2, throughput_per_minute: 60, remaining: 945, eta_seconds: 945,
};

describe('campaign report', () => {
  it('shows the settings and the live statistics as aligned rows', () => {
    expect(showReport(campaign, stats)).toBe([
      'campaign      01KCAMPAIGN000000000000000  Spring sale',
      'status        running',
      'template      news v3',
      'audience      tags vip, beta',
      'pool          (default transport)',
      'pacing        3,600/h, concurrency 5',
      'scheduled     -',
      'started       2026-11-24 09:01:00Z',
      'finished      -',
      '',
      'targeted      1,200',
      'queued           45',
      'sent            250',
      'failed            1',
      'bounced           4',
      'suppressed        3',
      'unsubscribed      2',
      'success rate  97.66 %',
      'throughput    60.0/min',
      'ETA           16 min (945 left)',
    ].join('\n'));
    const paused = showReport({ ...campaign, status: 'paused', status_reason: 'bounce rate 6% after 100 attempts', audience: { segment_id: '01KSEG' } }, { ...stats, success_rate: null, eta_seconds: null });
    expect(paused).toMatch(/^status {8}paused \(bounce rate 6% after 100 attempts\)$/m);
    expect(paused).toMatch(/^audience {6}segment 01KSEG$/m);
    expect(paused).toMatch(/^success rate {2}-$/m);
    expect(paused).toMatch(/^ETA {11}-$/m);
  });

  it('lists campaigns in columns', () => {
    expect(listReport([])).toBe('no campaigns');
    expect(listReport([campaign, { ...campaign, id: '01KOTHER', status: 'draft', audience: { rule: { tag: 'x' } }, name: 'Other' }])).toBe([
      'ID                          STATUS   TEMPLATE  AUDIENCE          CREATED               NAME',
      '01KCAMPAIGN000000000000000  running  news      tags vip, beta    2026-11-24 09:00:00Z  Spring sale',
      '01KOTHER                    draft    news      rule {"tag":"x"}  2026-11-24 09:00:00Z  Other',
    ].join('\n'));
    expect(table(['A', 'B'], [['x', 'y y']])).toBe('A  B\nx  y y');
  });

  it('writes durations short', () => {
    expect([duration(45), duration(720), duration(3 * 3600 + 300), duration(2 * 86_400 + 4 * 3600)]).toEqual(['45 s', '12 min', '3 h 05 min', '2 d 4 h']);
  });
});
