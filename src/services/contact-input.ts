import { AppError, invalid } from '../domain/errors.js';
import { normaliseContactEmail } from '../domain/contact-email.js';
import { attributesProblem, tagProblem, textProblem } from '../domain/contact-text.js';

/** The normalised email, or VALIDATION_FAILED on `field`. */
export function checkedEmail(raw: string, field = 'email'): string {
  const e = normaliseContactEmail(raw);
  if (typeof e !== 'string') throw invalid(field, e.problem);
  return e;
}

/** A text field trimmed (empty → null), or VALIDATION_FAILED naming it. */
export function checkedText(v: string | null | undefined, field: string): string | null | undefined {
  if (v === undefined || v === null) return v;
  const t = v.trim();
  if (t === '') return null;
  const p = textProblem(t);
  if (p) throw invalid(field, p);
  return t;
}

/** Tags checked and de-duplicated, or VALIDATION_FAILED naming `tags[i]`. */
export function checkedTags(tags: string[] | undefined, field = 'tags'): string[] | undefined {
  if (tags === undefined) return undefined;
  tags.forEach((t, i) => {
    const p = tagProblem(t);
    if (p) throw invalid(`${field}[${i}]`, p);
  });
  return [...new Set(tags)];
}

/** Attributes checked (keys, values, size), or VALIDATION_FAILED naming `attributes.key`. In a patch a null value removes its key. */
export function checkedAttributes(attrs: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (attrs === undefined) return undefined;
  const p = attributesProblem(attrs);
  if (p) throw new AppError('VALIDATION_FAILED', `${p[0]}: ${p[1]}`, { field: p[0] });
  return attrs;
}
