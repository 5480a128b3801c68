/** A reply the sink gives at RCPT TO instead of accepting, chosen by the recipient's address. */
export interface ReplyRule {
  /** The pattern as written: a glob (`*`, `?`) matched against the whole address, or else a substring. */
  readonly pattern: string;
  /** The SMTP reply code, 2xx (accept with this text), 4xx (defer) or 5xx (reject). */
  readonly code: number;
  /** The full reply line sent to the client, e.g. `550 5.1.1 No such user`. */
  readonly line: string;
  /** Whether an address matches (case-insensitive, as mailbox domains are). */
  matches(address: string): boolean;
}

// The first `=` followed by a reply code splits pattern from reply, so patterns may themselves hold `=`
// (VERP and SRS addresses do) as long as no `=` in them is followed by three digits and a space.
const RULE = /^(.+?)=([245]\d\d)(?:[ \t]+(.*))?$/s;

/**
 * Parse `PATTERN=CODE TEXT`, e.g. `*@bounce.test=550 5.1.1 No such user` or `slow*=451 4.7.1 Try again later`.
 * Throws an Error naming the problem when the rule is malformed.
 */
export function parseReplyRule(spec: string): ReplyRule {
  const m = RULE.exec(spec.trim());
  if (!m) throw new Error(`"${spec}" is not PATTERN=CODE TEXT with a 2xx, 4xx or 5xx code`);
  const pattern = m[1]!;
  const text = (m[3] ?? '').trim();
  // A reply line is sent as is: a CR or LF in it would let one rule forge further replies.
  if (/[\r\n]/.test(text)) throw new Error(`the reply text of "${spec}" contains a line break`);
  const code = Number(m[2]);
  return { pattern, code, line: text ? `${code} ${text}` : String(code), matches: matcher(pattern) };
}

/** The first rule matching `address`, or null: rules are tried in the order given. */
export function findReply(rules: readonly ReplyRule[], address: string): ReplyRule | null {
  for (const rule of rules) if (rule.matches(address)) return rule;
  return null;
}

function matcher(pattern: string): (address: string) => boolean {
  const lower = pattern.toLowerCase();
  if (!/[*?]/.test(pattern)) return (address) => address.toLowerCase().includes(lower);
  const source = lower.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const re = new RegExp(`^${source}$`, 'is');
  return (address) => re.test(address);
}
