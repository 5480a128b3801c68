/** One SMTP command line split into its verb (upper-cased) and the rest. */
export interface SmtpCommand {
  verb: string;
  arg: string;
}

/** Split a command line (without its line end) at the first space. */
export function parseCommand(line: string): SmtpCommand {
  const sp = line.indexOf(' ');
  if (sp < 0) return { verb: line.toUpperCase(), arg: '' };
  return { verb: line.slice(0, sp).toUpperCase(), arg: line.slice(sp + 1).trim() };
}

/** The address of a `MAIL FROM:` / `RCPT TO:` argument and the ESMTP parameters after it. */
export interface SmtpPath {
  /** The address without angle brackets or source route; `''` for the null sender `<>`. */
  address: string;
  /** Parameters upper-cased by name, e.g. `{ SIZE: '4096', BODY: '8BITMIME' }`. */
  params: Record<string, string>;
}

/**
 * Parse the argument of MAIL (`keyword` "FROM:") or RCPT ("TO:"). Lenient on what clients get wrong in
 * practice (a space after the colon, a bare address without brackets); null when it cannot be read or the
 * address holds control characters (it is copied into stored headers).
 */
export function parsePath(arg: string, keyword: 'FROM:' | 'TO:'): SmtpPath | null {
  if (arg.slice(0, keyword.length).toUpperCase() !== keyword) return null;
  const rest = arg.slice(keyword.length).trimStart();
  let address: string;
  let tail: string;
  if (rest.startsWith('<')) {
    const close = rest.indexOf('>');
    if (close < 0) return null;
    address = rest.slice(1, close);
    tail = rest.slice(close + 1);
  } else {
    const sp = rest.indexOf(' ');
    address = sp < 0 ? rest : rest.slice(0, sp);
    tail = sp < 0 ? '' : rest.slice(sp + 1);
  }
  // RFC 5321 §4.1.1.3: a source route (`@a,@b:user@c`) is to be accepted and ignored.
  if (address.startsWith('@')) {
    const colon = address.indexOf(':');
    if (colon < 0) return null;
    address = address.slice(colon + 1);
  }
  if (/[\x00-\x1f\x7f]/.test(address)) return null;
  const params: Record<string, string> = {};
  for (const p of tail.split(' ')) {
    if (!p) continue;
    const eq = p.indexOf('=');
    params[(eq < 0 ? p : p.slice(0, eq)).toUpperCase()] = eq < 0 ? '' : p.slice(eq + 1);
  }
  return { address, params };
}
