import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

/**
 * Fastify's default Ajv drops unknown properties and coerces types, which would quietly accept
 * `{"role": "admin"}` or `{"password": 123}`. Bodies get a strict instance: unknown fields and wrong types are
 * errors (422). Query strings and path parameters are text by nature and keep coercion.
 */
export function useStrictValidation(app: FastifyInstance, shared: object[]): void {
  const build = (options: Options) => {
    const ajv = new Ajv.default({ removeAdditional: false, useDefaults: true, allErrors: true, strict: false, ...options });
    addFormats.default(ajv);
    for (const schema of shared) ajv.addSchema(schema);
    return ajv;
  };
  const body = build({ coerceTypes: false });
  const text = build({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema));
}
