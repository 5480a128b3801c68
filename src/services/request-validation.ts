import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { AppError } from '../domain/errors.js';

if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(v) && !Number.isNaN(Date.parse(v)));
}

/** A compiled validator: returns the value typed, or throws VALIDATION_FAILED naming the first bad field. */
export function validator<T>(schema: TSchema, fieldPrefix = ''): (value: unknown, prefix?: string) => T {
  const check = TypeCompiler.Compile(schema);
  return (value: unknown, prefix = fieldPrefix): T => {
    if (check.Check(value)) return value as T;
    const first = check.Errors(value).First();
    if (!first) throw new AppError('VALIDATION_FAILED', 'the request is invalid');
    let field = first.path.replace(/^\//, '').replace(/\//g, '.');
    let message = first.message;
    // An unknown property is reported on the object; name the property itself.
    if (first.schema && (first.schema as { additionalProperties?: unknown }).additionalProperties === false && typeof first.value === 'object' && first.value) {
      const allowed = Object.keys((first.schema as { properties?: object }).properties ?? {});
      const extra = Object.keys(first.value as object).find((k) => !allowed.includes(k));
      if (extra) {
        field = field ? `${field}.${extra}` : extra;
        message = 'is not a known field';
      }
    }
    const full = prefix ? (field ? `${prefix}.${field}` : prefix) : field || '(body)';
    throw new AppError('VALIDATION_FAILED', `${full}: ${message}`, { field: full });
  };
}
