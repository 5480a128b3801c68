import type { Campaign } from '../domain/campaign.js';
import { parseRule } from '../domain/segment-parse.js';
import type { ContactFilter } from '../ports/contact-store.js';

/**
 * The contact filter a started campaign reads its audience with: contacts having any of its tags, or matching
 * the rule frozen at start (a segment's rule, or one written inline), evaluated as of the start time. No status
 * condition: unsubscribed, bounced and complained contacts are read too, so they are skipped and counted.
 */
export function audienceFilter(c: Pick<Campaign, 'audience' | 'audienceRule' | 'startedAt' | 'createdAt'>): ContactFilter {
  if ('tags' in c.audience) return { anyTags: c.audience.tags };
  return { rule: parseRule(c.audienceRule, 'audience.rule'), now: c.startedAt ?? c.createdAt };
}
