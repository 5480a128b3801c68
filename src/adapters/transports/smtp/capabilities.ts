/** The ESMTP extensions a relay announced in its EHLO reply that the smtp transport uses. */
export interface Capabilities {
  pipelining: boolean;
  startTls: boolean;
  smtpUtf8: boolean;
  eightBitMime: boolean;
  /** SASL mechanisms, upper case. */
  auth: Set<string>;
  /** The SIZE limit in bytes; 0 when announced without a limit, null when not announced. */
  size: number | null;
}

/** No extensions: what a relay that only knows HELO offers. */
export const NO_CAPABILITIES: Capabilities = { pipelining: false, startTls: false, smtpUtf8: false, eightBitMime: false, auth: new Set(), size: null };

/** Read the lines of a 250 EHLO reply (the first line is the greeting, the rest one keyword each). */
export function parseCapabilities(lines: readonly string[]): Capabilities {
  const caps: Capabilities = { ...NO_CAPABILITIES, auth: new Set() };
  for (const line of lines.slice(1)) {
    const [kw = '', ...args] = line.slice(4).trim().split(/\s+/);
    switch (kw.toUpperCase()) {
      case 'PIPELINING': caps.pipelining = true; break;
      case 'STARTTLS': caps.startTls = true; break;
      case 'SMTPUTF8': caps.smtpUtf8 = true; break;
      case '8BITMIME': caps.eightBitMime = true; break;
      case 'SIZE': {
        const n = Number(args[0] ?? 0);
        caps.size = Number.isFinite(n) && n >= 0 ? n : 0;
        break;
      }
      case 'AUTH':
        for (const a of args) caps.auth.add(a.toUpperCase());
        break;
      default:
        // Old servers announce "AUTH=LOGIN PLAIN" (pre-RFC 4954 syntax).
        if (/^AUTH=/i.test(kw)) for (const a of [kw.slice(5), ...args]) caps.auth.add(a.toUpperCase());
    }
  }
  return caps;
}
