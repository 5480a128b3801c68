import { AppError } from '../domain/errors.js';
import { hasLineBreak } from '../domain/headers.js';
import type { Clock } from '../ports/clock.js';
import type { Store, TemplateRecord } from '../ports/store.js';
import type { RenderedContent, TemplateEngine } from '../compose/template-engine.js';
import type { TemplateCatalog } from './template-catalog.js';
import type { CreateTemplate, UpdateTemplate } from './template-schema.js';

/** Template use cases: every save is syntax-checked (line and column on error) and writes a new version. */
export class ManageTemplates {
  constructor(private readonly store: Store, private readonly engine: TemplateEngine, private readonly catalog: TemplateCatalog, private readonly clock: Clock) {}

  async create(req: CreateTemplate): Promise<TemplateRecord> {
    this.check(req.subject, req.html, req.text ?? null);
    const now = this.clock.now();
    const t = await this.store.createTemplate({
      id: req.id, name: req.name, category: req.category ?? null, active: req.active ?? true,
      subject: req.subject, html: req.html, text: req.text ?? null, variables: req.variables ?? [], createdAt: now,
    });
    this.catalog.invalidate(t.id);
    return t;
  }

  async update(id: string, req: UpdateTemplate): Promise<TemplateRecord> {
    const cur = await this.get(id);
    this.check(req.subject ?? cur.subject, req.html ?? cur.html, req.text !== undefined ? req.text : cur.text);
    const t = await this.store.updateTemplate(id, req, this.clock.now());
    this.catalog.invalidate(id);
    if (!t) throw notFound(id);
    return t;
  }

  async get(id: string): Promise<TemplateRecord> {
    const t = await this.store.getTemplate(id);
    if (!t) throw notFound(id);
    return t;
  }

  list(): Promise<TemplateRecord[]> {
    return this.store.listTemplates();
  }

  async remove(id: string): Promise<void> {
    const ok = await this.store.deleteTemplate(id, this.clock.now());
    this.catalog.invalidate(id);
    if (!ok) throw notFound(id);
  }

  /** Render the current version with `variables` (through the same compiled cache the workers use). */
  async preview(id: string, variables: Record<string, unknown>): Promise<RenderedContent & { version: number }> {
    const t = await this.get(id);
    const compiled = this.engine.compiled(`${t.id}@${t.version}`, () => t);
    return { ...this.engine.render(compiled, variables), version: t.version };
  }

  private check(subject: string, html: string, text: string | null): void {
    if (hasLineBreak(subject)) throw new AppError('HEADER_INJECTION', 'subject: must not contain CR or LF', { field: 'subject' });
    this.engine.compile({ subject, html, text });
  }
}

function notFound(id: string): AppError {
  return new AppError('TEMPLATE_NOT_FOUND', `no template "${id}"`, { field: 'id' });
}
