import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifyInstance } from 'fastify'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

/**
 * Bodies are validated strictly (a number where a string belongs is a 400, unknown fields
 * are refused, not dropped); querystrings and params are strings on the wire, so they are
 * coerced ("50" -> 50).
 */
export function installValidators(app: FastifyInstance): void {
  const base = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false } as const
  const bodyAjv = addFormats(new Ajv({ ...base, coerceTypes: false }))
  const textAjv = addFormats(new Ajv({ ...base, coerceTypes: 'array' }))
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema))
}
