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
  return (value: unknown) => {
    const converted = httpPart === 'body' ? value : Value.Convert(schema, value);
    const filled =
      converted !== undefined && converted !== null ? Value.Default(schema, converted) : converted;
    if (check.Check(filled)) return { value: filled };
    return { error: check.Errors(filled) as never };
  };
};
