import type { Migration } from '../schema.js';

/**
 * 0007_delivery-activity: the contact a message is for (campaign messages carry it; transactional mail does not),
 * and the campaign an activity row came from, so the delivery record can write `sent`/`bounced`/`failed` contact
 * activity and a segment can ask for "was sent campaign X". Both columns are nullable: adding them rewrites nothing.
 * Campaign messages still waiting to be sent when this runs get their contact from the `contact_id` variable every
 * campaign message has carried since 0005 (through ix_messages_campaign, so only campaign rows are read); messages
 * already final keep none and wrote no activity.
 */
export function deliveryActivityMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const fromVariables = dialect === 'postgres' ? `variables::jsonb ->> 'contact_id'` : `json_extract(variables, '$.contact_id')`;
  return {
    name: '0007_delivery-activity',
    statements: [
      'ALTER TABLE messages ADD COLUMN contact_id TEXT',
      'ALTER TABLE contact_activity ADD COLUMN campaign_id TEXT',
      `UPDATE messages SET contact_id = ${fromVariables}
        WHERE campaign_id IS NOT NULL AND status IN ('queued', 'deferred', 'sending')`,
    ],
  };
}
