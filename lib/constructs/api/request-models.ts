import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as z from '@securecart/contracts/zod';

/**
 * JSON Schema draft 4 (API Gateway's model dialect) of a contract schema: the request models of
 * rest-api-routes.ts, from each route's `bodyModel` in HTTP_API (@securecart/contracts/http-api).
 * A refinement JSON Schema cannot express (the body's "each productId once") is left out: the
 * contract's `bodyModel` schema is the body schema without it, and the service checks it.
 */
export function toModelSchema(schema: z.ZodMiniType): apigw.JsonSchema {
  return z.toJSONSchema(schema, { target: 'draft-4' }) as apigw.JsonSchema;
}
