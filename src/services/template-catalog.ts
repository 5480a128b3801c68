import { createHash } from 'node:crypto';
import type { Clock } from '../ports/clock.js';
import type { MessageRecord, Store } from '../ports/store.js';
import { AppError } from '../domain/errors.js';
import type { CompiledTemplate, TemplateEngine, TemplateSource } from '../compose/template-engine.js';

/** The store reads the catalog needs (a composer thread answers them from the sources it was sent). */
export type TemplateReader = Pick<Store, 'getTemplate' | 'getTemplateVersion'>;

/** What names a message's content: a template version, or inline Liquid. */
export type TemplateRef = Pick<MessageRecord, 'templateId' | 'templateVersion' | 'subject' | 'html' | 'text'>;

/** What the accept path needs to know of a template. */
export interface TemplateHead {
  id: string;
  version: number;
  active: boolean;
}

/**
 * Cached template lookups. Heads (current version, active) are cached for `ttlMs` so a busy accept path
 * does not read the store per message; other processes see an update within that time, this one at once.
 * Compiled versions are immutable and cached by id@version (inline content by its hash).
 */
export class TemplateCatalog {
  private readonly heads = new Map<string, { head: TemplateHead | null; until: number }>();
  private readonly sources = new Map<string, TemplateSource>();

  constructor(private readonly store: TemplateReader, private readonly engine: TemplateEngine, private readonly clock: Clock, private readonly ttlMs = 2000) {}

  /** The current head of a template, or null when it does not exist (or was deleted). */
  async current(id: string): Promise<TemplateHead | null> {
    const now = this.clock.now();
    const hit = this.heads.get(id);
    if (hit && hit.until > now) return hit.head;
    const t = await this.store.getTemplate(id);
    const head = t ? { id: t.id, version: t.version, active: t.active } : null;
    this.heads.set(id, { head, until: now + this.ttlMs });
    if (this.heads.size > 10_000) this.heads.delete(this.heads.keys().next().value as string);
    return head;
  }

  /** Forget a cached head after this process changed the template. */
  invalidate(id: string): void {
    this.heads.delete(id);
  }

  /** The compiled content a stored message renders with: its recorded template version, or its inline Liquid. */
  async compiledFor(m: TemplateRef): Promise<CompiledTemplate> {
    if (m.templateId !== null && m.templateVersion !== null) {
      const key = `${m.templateId}@${m.templateVersion}`;
      const cached = this.engine.peek(key);
      if (cached) return cached;
      const v = await this.store.getTemplateVersion(m.templateId, m.templateVersion);
      if (!v) throw new AppError('TEMPLATE_NOT_FOUND', `template ${key} is missing from the store`);
      return this.engine.compiled(key, () => v);
    }
    return this.inline({ subject: m.subject ?? '', html: m.html ?? '', text: m.text }, '');
  }

  /**
   * The cache key and Liquid sources of a stored message's template version, for a composer in another thread;
   * null for inline content (it travels with the message). Versions are immutable, so sources are cached.
   */
  async sourceFor(m: TemplateRef): Promise<{ key: string; source: TemplateSource } | null> {
    if (m.templateId === null || m.templateVersion === null) return null;
    const key = `${m.templateId}@${m.templateVersion}`;
    let source = this.sources.get(key);
    if (!source) {
      const v = await this.store.getTemplateVersion(m.templateId, m.templateVersion);
      if (!v) throw new AppError('TEMPLATE_NOT_FOUND', `template ${key} is missing from the store`);
      source = { subject: v.subject, html: v.html, text: v.text };
      this.sources.set(key, source);
      if (this.sources.size > 1000) this.sources.delete(this.sources.keys().next().value as string);
    }
    return { key, source };
  }

  /**
   * Inline content compiled once per distinct content (batches usually share one body), keyed by its hash.
   * Throws TEMPLATE_SYNTAX naming `fieldPrefix` + the part when the Liquid is invalid.
   */
  inline(src: TemplateSource, fieldPrefix: string): CompiledTemplate {
    const key = `inline:${createHash('sha1').update(src.subject).update('\0').update(src.html).update('\0').update(src.text ?? '').digest('base64')}`;
    const hit = this.engine.peek(key);
    if (hit) return hit;
    // Compiled with the field prefix so a syntax error names the batch item.
    return this.engine.put(key, this.engine.compile(src, fieldPrefix));
  }
}
