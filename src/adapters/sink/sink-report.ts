import type { SinkStats } from './smtp-sink.js';

/** A point in a sink's history, to compute the rate since then. */
export interface ReportMark {
  messages: number;
  at: number;
}

/** The periodic progress line: totals, and the message rate since `previous`. */
export function progressLine(stats: SinkStats, previous: ReportMark, now: number): string {
  const seconds = Math.max(0.001, (now - previous.at) / 1000);
  const delta = stats.messages - previous.messages;
  return `sink: ${stats.messages} messages (+${delta}, ${Math.round(delta / seconds)} msg/s), ${stats.recipients} recipients`
    + `${refused(stats)}, ${mib(stats.bytes)}, ${stats.openConnections} open connections`;
}

/**
 * The line printed at shutdown. The rate is over the time from the first to the last message, so idle
 * time before and after a benchmark does not dilute it.
 */
export function summaryLine(stats: SinkStats, now: number): string {
  const active = stats.firstMessageAt !== null && stats.lastMessageAt !== null ? (stats.lastMessageAt - stats.firstMessageAt) / 1000 : 0;
  const rate = active > 0 ? `${Math.round(stats.messages / active)} msg/s over ${active.toFixed(2)} s from first to last message` : 'no rate (fewer than two messages apart in time)';
  return `sink summary: ${stats.messages} messages, ${stats.recipients} recipients${refused(stats)}, ${mib(stats.bytes)}, `
    + `${stats.connections} connections; ${rate}; up ${((now - stats.startedAt) / 1000).toFixed(1)} s`;
}

function refused(stats: SinkStats): string {
  return ` (${stats.rejectedRecipients} rejected, ${stats.deferredRecipients} deferred)`;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
