import { Liquid, type Template } from 'liquidjs';
import { AppError } from '../domain/errors.js';
import { htmlToText } from './html-to-text.js';
import { compileFast, compileWire, type FastTemplate, type WireTemplate } from './fast-liquid.js';

/** Liquid sources of one template version (or of a message's inline content). */
export interface TemplateSource {
  subject: string;
  html: string;
  text: string | null;
}

/** One part compiled: liquidjs's parse, and the fast renderer when the part stays inside its subset. */
export interface CompiledPart {
  liquid: Template[];
  fast: FastTemplate | null;
  /** Renders into wire bytes (subject excluded: it goes into a header). */
  wire: WireTemplate | null;
}

/** The three parts compiled; rendering never parses again. */
export interface CompiledTemplate {
  subject: CompiledPart;
  html: CompiledPart;
  /** null: the text part is converted from each rendered HTML. */
  text: CompiledPart | null;
}

/** A body for buildMime: a rendered string, or a wire renderer with its variables (and the string renderer for its fallback). */
export type MimeBody = string | { wire: WireTemplate; string: FastTemplate; trim: boolean; variables: Record<string, unknown> };

/** The output of `renderMime`. */
export interface MimeContent {
  subject: string;
  html: MimeBody;
  text: MimeBody;
}

/** The output of one render. */
export interface RenderedContent {
  subject: string;
  html: string;
  text: string;
}

/**
 * Liquid compilation and rendering. HTML output is HTML-escaped by default (`| raw` opts out);
 * subject and text are not escaped. Compiled templates are cached by key (template id + version),
 * bounded in size, least recently used evicted first.
 */
export class TemplateEngine {
  private readonly htmlLiquid = new Liquid({ outputEscape: 'escape', strictFilters: true, cache: false });
  private readonly plainLiquid = new Liquid({ strictFilters: true, cache: false });
  private readonly cache = new Map<string, CompiledTemplate>();
  /** Cache hits and misses, for the metrics endpoint. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly maxEntries = 1000) {}

  /** Parse all parts, or throw TEMPLATE_SYNTAX naming the field, line and column. */
  compile(src: TemplateSource, fieldPrefix = ''): CompiledTemplate {
    const html = this.part(this.htmlLiquid, src.html, `${fieldPrefix}html`, 'html');
    return {
      subject: this.part(this.plainLiquid, src.subject, `${fieldPrefix}subject`, 'subject'),
      html,
      text: src.text === null || src.text === '' ? this.deriveText(src.html) : this.part(this.plainLiquid, src.text, `${fieldPrefix}text`, 'text'),
    };
  }

  private part(engine: Liquid, source: string, field: string, kind: 'subject' | 'html' | 'text'): CompiledPart {
    // liquidjs parses first: it is the judge of syntax, the fast renderers only accelerators.
    const liquid = this.parse(engine, source, field);
    // HTML is escaped; text is trimmed (see render); the subject goes into a header, never on the wire as it is.
    const wire = kind === 'subject' ? null : compileWire(source, kind === 'html', kind === 'text');
    return { liquid, fast: compileFast(source, kind === 'html'), wire };
  }

  /**
   * A text template derived once from the HTML source, so rendering does not convert HTML to text per message.
   * Null (convert after rendering instead) when a Liquid tag holds a '<' that the conversion could take for HTML.
   */
  private deriveText(html: string): CompiledPart | null {
    if (html === '' || /\{[{%][^}]*</.test(html)) return null;
    const source = htmlToText(html);
    try {
      return { liquid: this.plainLiquid.parse(source), fast: compileFast(source, false), wire: compileWire(source, false, true) };
    } catch {
      return null;
    }
  }

  /** The cached compiled template for `key`, or undefined (a miss is counted by `compiled`). */
  peek(key: string): CompiledTemplate | undefined {
    const hit = this.cache.get(key);
    if (hit) this.touch(key, hit);
    return hit;
  }

  /** The compiled template for `key`, compiling `load()` once on a miss. */
  compiled(key: string, load: () => TemplateSource): CompiledTemplate {
    const hit = this.cache.get(key);
    if (hit) {
      this.touch(key, hit);
      return hit;
    }
    return this.put(key, this.compile(load()));
  }

  /** Cache a template compiled by the caller (counted as a miss); returns it. */
  put(key: string, c: CompiledTemplate): CompiledTemplate {
    this.stats.misses++;
    this.cache.set(key, c);
    if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    return c;
  }

  /** Render a compiled template with variables; throws TEMPLATE_RENDER_FAILED on a runtime error. */
  render(c: CompiledTemplate, variables: Record<string, unknown>): RenderedContent {
    try {
      const html = this.renderPart(this.htmlLiquid, c.html, variables);
      return {
        subject: this.renderPart(this.plainLiquid, c.subject, variables).trim(),
        html,
        text: c.text ? this.renderPart(this.plainLiquid, c.text, variables).trim() : htmlToText(html),
      };
    } catch (err) {
      throw new AppError('TEMPLATE_RENDER_FAILED', `template could not be rendered: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Render for a MIME message: the subject as a string, the bodies as wire renderers with their variables where
   * the template allows (buildMime writes them straight into the message's bytes), else as strings.
   */
  renderMime(c: CompiledTemplate, variables: Record<string, unknown>): MimeContent {
    try {
      const subject = this.renderPart(this.plainLiquid, c.subject, variables).trim();
      if (!c.text) {
        const html = this.renderPart(this.htmlLiquid, c.html, variables);
        return { subject, html, text: htmlToText(html) };
      }
      // The text part is trimmed, as by `render` (its wire renderer was compiled to do the same).
      const body = (p: CompiledPart, engine: Liquid, trim: boolean): MimeBody => {
        if (p.wire && p.fast) return { wire: p.wire, string: p.fast, trim, variables };
        const s = this.renderPart(engine, p, variables);
        return trim ? s.trim() : s;
      };
      const text = body(c.text, this.plainLiquid, true);
      const html = body(c.html, this.htmlLiquid, false);
      return { subject, html, text };
    } catch (err) {
      throw new AppError('TEMPLATE_RENDER_FAILED', `template could not be rendered: ${(err as Error).message}`, { cause: err });
    }
  }

  private renderPart(engine: Liquid, p: CompiledPart, variables: Record<string, unknown>): string {
    return p.fast ? p.fast(variables) : (engine.renderSync(p.liquid, variables) as string);
  }

  private touch(key: string, hit: CompiledTemplate): void {
    this.stats.hits++;
    // Re-insert to mark as most recently used.
    this.cache.delete(key);
    this.cache.set(key, hit);
  }

  private parse(engine: Liquid, source: string, field: string): Template[] {
    try {
      return engine.parse(source);
    } catch (err) {
      const e = err as Error & { token?: { getPosition?: () => [number, number] } };
      const pos = e.token?.getPosition?.();
      const where = pos ? ` at line ${pos[0]}, column ${pos[1]}` : '';
      const reason = e.message.replace(/, line:\d+, col:\d+$/, '');
      throw new AppError('TEMPLATE_SYNTAX', `${field}: Liquid syntax error${where}: ${reason}`, {
        field,
        details: pos ? { line: pos[0], column: pos[1] } : undefined,
      });
    }
  }
}
