// Gmail API usage limits as Google publishes them ("Usage limits" page of the Gmail API guide). Routing turns
// them into rates so Postflow slows itself down before Google has to answer 429/403.

/** Quota units one `users.messages.send` call costs. */
export const GMAIL_SEND_UNITS = 100;

/** Quota units one Workspace user may spend per minute (per-user rate limit). */
export const GMAIL_USER_UNITS_PER_MINUTE = 15_000;

/** Quota units one Google Cloud project (all its service accounts and users together) may spend per minute. */
export const GMAIL_PROJECT_UNITS_PER_MINUTE = 1_200_000;

/** Sends per minute one user can make before the per-user unit limit (15,000 / 100 = 150). */
export const GMAIL_USER_SENDS_PER_MINUTE = GMAIL_USER_UNITS_PER_MINUTE / GMAIL_SEND_UNITS;

/** Sends per minute one project can make before the per-project unit limit (1,200,000 / 100 = 12,000). */
export const GMAIL_PROJECT_SENDS_PER_MINUTE = GMAIL_PROJECT_UNITS_PER_MINUTE / GMAIL_SEND_UNITS;
