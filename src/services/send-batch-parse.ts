import sjson from 'secure-json-parse';
import { AppError, invalid } from '../domain/errors.js';
import { parseMailbox, type Mailbox } from '../domain/address.js';
import { headerProblem, hasLineBreak } from '../domain/headers.js';
import { priorityRank } from '../domain/priority.js';
import type { TemplateSource } from '../compose/template-engine.js';
import type { MessageColumns } from '../ports/store.js';
import { MAX_BATCH, SendRequestSchema, type SendRequest } from './send-schema.js';
import { validator } from './request-validation.js';

/** One refused item of a batch. */
export interface Rejected {
  index: number;
  code: string;
  message: string;
  field?: string;
}

/**
 * What the send requests of a batch decide on their own, as columns (entry k of every array is the k-th valid
 * item, `index[k]` its place in the request): everything but the message id, the template version, and the checks
 * that need the store (template exists and is active, sender pool, suppression list). `variables`, `headers` and
 * `tags` are JSON text already. Columns, not an object per message: they cross threads cheaply (ADR 0022).
 */
export type Drafts = Pick<MessageColumns,
  'toAddress' | 'toName' | 'toDomain' | 'fromAddress' | 'fromName' | 'replyTo' | 'templateId' | 'subject' | 'html' | 'text' | 'variables'
  | 'headers' | 'tags' | 'priority' | 'idempotencyKey' | 'senderPool'> & {
  index: number[];
  /** The requested send time, or null for "now" (the time the batch is stored). */
  dueAt: Array<number | null>;
};

/** What drafting needs besides the request: the time, the default sender, and a Liquid syntax check for inline content. */
export interface DraftContext {
  now: number;
  defaultFrom: Mailbox;
  /** Throws TEMPLATE_SYNTAX naming `fieldPrefix` + the part when the inline Liquid does not parse. */
  checkInline(src: TemplateSource, fieldPrefix: string): void;
}

/** A request body's outcome: the drafts and the refused items, or why the whole body is refused. */
export type BatchParse =
  | { ok: true; items: number; drafts: Drafts; rejected: Rejected[] }
  | { ok: false; error: { code: string; message: string; field?: string } };

/** Drafts as posted between threads: a column whose entries are all the same is sent as that one value. */
export type PackedDrafts = { [K in keyof Drafts]: Drafts[K] | { same: Drafts[K][number] } } & { count: number };

/**
 * Pack drafts for postMessage: most columns of a batch hold one value (the same sender, template, priority…), and
 * sent as one value they cost neither a copy per message to clone nor a string per message on arrival.
 */
export function packDrafts(d: Drafts): PackedDrafts {
  const out = { count: d.index.length } as Record<string, unknown>;
  for (const [k, col] of Object.entries(d) as Array<[string, unknown[]]>) {
    const first = col[0];
    let same = col.length > 1;
    for (let i = 1; same && i < col.length; i++) same = col[i] === first;
    out[k] = same ? { same: first } : col;
  }
  return out as PackedDrafts;
}

/** The drafts packDrafts packed; a column sent as one value is that value repeated (one string, many references). */
export function unpackDrafts(p: PackedDrafts): Drafts {
  const out = {} as Record<string, unknown>;
  for (const [k, col] of Object.entries(p)) {
    if (k === 'count') continue;
    out[k] = Array.isArray(col) ? col : new Array(p.count).fill((col as { same: unknown }).same);
  }
  return out as unknown as Drafts;
}

const validateSend = validator<SendRequest>(SendRequestSchema);
const MAX_SCHEDULE_MS = 366 * 24 * 3600_000;
const JSON_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;
const EMPTY_OBJECT_JSON = '{}';
const EMPTY_ARRAY_JSON = '[]';

/** Empty drafts to fill with draftItem. */
export function emptyDrafts(): Drafts {
  return {
    index: [], toAddress: [], toName: [], toDomain: [], fromAddress: [], fromName: [], replyTo: [], templateId: [], subject: [], html: [],
    text: [], variables: [], headers: [], tags: [], priority: [], dueAt: [], idempotencyKey: [], senderPool: [],
  };
}

/**
 * Validate one send request and append its draft to `into`; throws an AppError naming the field (prefixed with
 * `p`, e.g. `messages[3].`) when it is invalid, and then appends nothing.
 */
export function draftItem(value: unknown, index: number, p: string, ctx: DraftContext, into: Drafts): void {
  const req = validateSend(value, p.endsWith('.') ? p.slice(0, -1) : p);
  const to = parseMailbox(req.to);
  if (typeof to === 'string') throw fieldError(`${p}to`, to);
  let from = ctx.defaultFrom;
  if (req.from !== undefined) {
    const f = parseMailbox(req.from);
    if (typeof f === 'string') throw fieldError(`${p}from`, f);
    from = f;
  }
  let replyTo: string | null = null;
  if (req.reply_to !== undefined) {
    const r = parseMailbox(req.reply_to);
    if (typeof r === 'string') throw fieldError(`${p}reply_to`, r);
    replyTo = r.address;
  }
  const headers = req.headers;
  if (headers !== undefined) {
    for (const name in headers) {
      const problem = headerProblem(name, headers[name]!);
      if (problem) throw fieldError(`${p}headers.${name}`, problem);
    }
  }
  if (req.template_id !== undefined) {
    if (req.subject !== undefined || req.html !== undefined || req.text !== undefined) {
      throw invalid(`${p}template_id`, 'give either template_id or inline subject/html/text, not both');
    }
  } else {
    if (req.subject === undefined) throw invalid(`${p}subject`, 'is required when no template_id is given');
    if (req.html === undefined && req.text === undefined) throw invalid(`${p}html`, 'html or text is required when no template_id is given');
    if (hasLineBreak(req.subject)) throw fieldError(`${p}subject`, 'must not contain CR or LF (header injection)');
    // Inline content is Liquid too: refuse a syntax error now rather than fail at send time.
    ctx.checkInline({ subject: req.subject, html: req.html ?? '', text: req.text ?? null }, p);
  }
  let dueAt: number | null = null;
  if (req.send_at !== undefined) {
    dueAt = Date.parse(req.send_at);
    if (dueAt - ctx.now > MAX_SCHEDULE_MS) throw invalid(`${p}send_at`, 'must be within a year from now');
  }

  const inline = req.template_id === undefined;
  into.index.push(index);
  into.toAddress.push(to.address);
  into.toName.push(to.name ?? null);
  into.toDomain.push(to.domain);
  into.fromAddress.push(from.address);
  into.fromName.push(from.name ?? null);
  into.replyTo.push(replyTo);
  into.templateId.push(inline ? null : req.template_id!);
  into.subject.push(inline ? req.subject! : null);
  // A text-only inline message has no HTML; it is sent as a single text/plain part.
  into.html.push(inline ? req.html ?? null : null);
  into.text.push(inline ? req.text ?? null : null);
  into.variables.push(req.variables === undefined ? EMPTY_OBJECT_JSON : JSON.stringify(req.variables));
  into.headers.push(headers === undefined ? EMPTY_OBJECT_JSON : JSON.stringify(headers));
  into.tags.push(req.tags === undefined ? EMPTY_ARRAY_JSON : JSON.stringify(req.tags));
  into.priority.push(priorityRank(req.priority ?? 'normal'));
  into.dueAt.push(dueAt);
  into.idempotencyKey.push(req.idempotency_key ?? null);
  into.senderPool.push(req.sender_pool ?? null);
}

/** Draft every item of a batch: valid ones into the drafts, invalid ones reported by index. */
export function draftItems(items: unknown[], ctx: DraftContext): { drafts: Drafts; rejected: Rejected[] } {
  if (items.length > MAX_BATCH) {
    throw new AppError('BATCH_TOO_LARGE', `messages: a batch holds at most ${MAX_BATCH} messages, got ${items.length}`, { field: 'messages' });
  }
  const drafts = emptyDrafts();
  const rejected: Rejected[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      draftItem(items[i], i, `messages[${i}].`, ctx, drafts);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      rejected.push({ index: i, code: err.code, message: err.message, field: err.field });
    }
  }
  return { drafts, rejected };
}

/**
 * The whole of POST /emails/send-batch's body handling that needs nothing but the bytes: JSON (with Fastify's
 * prototype-poisoning rules and error texts), the `{messages: [...]}` envelope (the errors Ajv gave for the route
 * schema it replaces), then every item. Pure and synchronous, so it runs alike on the main thread and in an accept
 * thread; the outcome is plain data (it is posted between threads).
 */
export function parseSendBatch(body: Uint8Array, ctx: DraftContext): BatchParse {
  if (body.byteLength === 0) return refuse(new AppError('VALIDATION_FAILED', '(body): a JSON body is required', { field: '(body)' }));
  let parsed: unknown;
  try {
    parsed = sjson.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'), undefined, JSON_OPTIONS);
  } catch {
    return refuse(new AppError('VALIDATION_FAILED', "(body): Body is not valid JSON but content-type is set to 'application/json'", { field: '(body)' }));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return refuse(envelopeError('(body)', 'must be object'));
  if (!('messages' in parsed)) return refuse(envelopeError('messages', 'is required'));
  for (const key in parsed) if (key !== 'messages') return refuse(envelopeError(key, 'is not a known field'));
  const items = (parsed as { messages: unknown }).messages;
  if (!Array.isArray(items)) return refuse(envelopeError('messages', 'must be array'));
  if (items.length < 1) return refuse(envelopeError('messages', 'must NOT have fewer than 1 items'));
  try {
    return { ok: true, items: items.length, ...draftItems(items, ctx) };
  } catch (err) {
    if (err instanceof AppError) return refuse(err);
    throw err;
  }
}

function refuse(e: AppError): BatchParse {
  const error: { code: string; message: string; field?: string } = { code: e.code, message: e.message };
  if (e.field !== undefined) error.field = e.field;
  return { ok: false, error };
}

function envelopeError(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, { field });
}

/** A field's problem as the catalogue's code: header injection when it is CR/LF, otherwise VALIDATION_FAILED. */
export function fieldError(field: string, problem: string): AppError {
  const code = /CR or LF/.test(problem) ? 'HEADER_INJECTION' : 'VALIDATION_FAILED';
  return new AppError(code, `${field}: ${problem}`, { field });
}
