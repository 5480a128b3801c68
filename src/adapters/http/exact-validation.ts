import { OptionalKind, type TSchema } from '@sinclair/typebox';
import { validator } from '../../services/request-validation.js';

/**
 * Route validation by TypeBox's own compiler, without the type coercion the app's Ajv applies elsewhere: there,
 * `daily_limit: 0` would quietly become `null` ("unlimited") in an `integer | null` field. Errors are the same
 * VALIDATION_FAILED naming the field. An optional body may be absent. Use as a route's `validatorCompiler`.
 */
export function exactValidation({ schema }: { schema: unknown }): (data: unknown) => { value: unknown } | { error: Error } {
  const check = validator<unknown>(schema as TSchema);
  const optional = (schema as { [OptionalKind]?: string })[OptionalKind] === 'Optional';
  return (data) => {
    if (data === undefined && optional) return { value: data };
    try {
      return { value: check(data) };
    } catch (err) {
      return { error: err as Error };
    }
  };
}
