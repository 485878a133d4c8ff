import { type TSchema, Type } from 'typebox';

/** `schema` or null: a column or field that may be absent. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
