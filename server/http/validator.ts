import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

/**
 * Validates every part of a request with TypeBox. Schema defaults are filled in everywhere; query
 * strings, params and headers are also converted from their string form ("5" → 5); bodies are
 * never converted, so a JSON string stays a string and fails a number field.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  // Filling defaults walks the whole value: a submission's matrix of probabilities costs more to
  // walk than to parse. A schema that declares no default (and refers to none) gets none filled.
  const fillDefaults = mayDeclareDefaults(schema);
  return (value: unknown) => {
    // An absent body is read as an empty object: optional fields get their defaults, and a route
    // that needs fields answers "missing required field" instead of a bare type error.
    const body = httpPart === 'body' && (value === undefined || value === null) ? {} : value;
    const converted = httpPart === 'body' ? body : Value.Convert(schema, body);
    const filled =
      fillDefaults && converted !== undefined && converted !== null
        ? Value.Default(schema, converted)
        : converted;
    if (check.Check(filled)) return { value: filled };
    return { error: check.Errors(filled) as never };
  };
};

/** Whether a schema may declare a default anywhere (a `$ref` may hide one); true when unsure. */
function mayDeclareDefaults(schema: TSchema): boolean {
  try {
    const text = JSON.stringify(schema);
    return text.includes('"default"') || text.includes('"$ref"');
  } catch {
    return true;
  }
}
