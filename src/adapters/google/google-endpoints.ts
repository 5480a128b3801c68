/** Google's OAuth 2.0 token endpoint (the `aud` of every service-account assertion). */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** Root of the Gmail API. */
export const GMAIL_API_URL = 'https://gmail.googleapis.com';

/** Root of the Admin SDK (Directory API). */
export const ADMIN_API_URL = 'https://admin.googleapis.com';

/** The one scope the Gmail transport asks for: send only, no mailbox access. */
export const GMAIL_SEND_SCOPE = 'https://www.googleapis.com/auth/gmail.send';

/** The scope directory sync asks for: read the domain's users. */
export const DIRECTORY_USER_READONLY_SCOPE = 'https://www.googleapis.com/auth/admin.directory.user.readonly';

/** A root URL without its trailing slashes, so paths can be appended. */
export function trimRoot(url: string): string {
  return url.replace(/\/+$/, '');
}
