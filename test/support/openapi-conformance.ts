/**
 * Does a real answer match what the OpenAPI document says of it? For integration specs:
 * the response DTOs must describe what the handlers return, property for property. An
 * object schema with `properties` and no `additionalProperties` is read as closed (a
 * property the DTO does not list is a problem), `required` ones must be present, `null`
 * only where `nullable`, enums and types as declared.
 */
interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  nullable?: boolean;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
}
export interface OpenApiDocumentLike {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
  components?: { schemas?: Record<string, Schema> };
}

/** Problems of `body` against the schema the document gives for `method path` answering `status` ([] = conforms). */
export function answerProblems(document: OpenApiDocumentLike, method: string, pathAndQuery: string, status: number, body: unknown): string[] {
  const pathname = new URL(pathAndQuery, 'http://x').pathname;
  const entry = Object.entries(document.paths).find(([template, item]) => item[method.toLowerCase()] && new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathname));
  if (!entry) return [`${method} ${pathname}: no such operation in the document`];
  const response = entry[1][method.toLowerCase()].responses[String(status)];
  if (!response) return [`${method} ${entry[0]}: status ${status} is not documented`];
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return body === undefined || body === null || body === '' ? [] : [`${method} ${entry[0]} ${status}: a body where the document has none`];
  const problems: string[] = [];
  check(document, schema, body, `${method} ${entry[0]} ${status}`, problems);
  return problems;
}

function resolve(document: OpenApiDocumentLike, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.slice(schema.$ref.lastIndexOf('/') + 1);
  const target = document.components?.schemas?.[name];
  if (!target) throw new Error(`the document has no schema ${name}`);
  return resolve(document, target);
}

function check(document: OpenApiDocumentLike, raw: Schema, value: unknown, where: string, problems: string[]): void {
  if (value === null) {
    if (!raw.nullable) problems.push(`${where}: null, not nullable`);
    return;
  }
  const schema = resolve(document, raw);
  if (schema.allOf) {
    for (const part of schema.allOf) check(document, part, value, where, problems);
    return;
  }
  if (schema.oneOf) {
    const fits = schema.oneOf.some((alternative) => {
      const own: string[] = [];
      check(document, alternative, value, where, own);
      return own.length === 0;
    });
    if (!fits) problems.push(`${where}: matches none of the alternatives (${JSON.stringify(value).slice(0, 80)})`);
    return;
  }
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  const type = schema.type ?? (schema.properties || schema.additionalProperties ? 'object' : undefined);
  switch (type) {
    case 'string':
    case 'boolean':
      if (typeof value !== type) problems.push(`${where}: ${typeof value}, expected ${type}`);
      return;
    case 'number':
    case 'integer':
      if (typeof value !== 'number' || (type === 'integer' && !Number.isInteger(value))) problems.push(`${where}: ${JSON.stringify(value)}, expected ${type}`);
      return;
    case 'array':
      if (!Array.isArray(value)) problems.push(`${where}: ${typeof value}, expected an array`);
      else value.forEach((item, i) => check(document, schema.items ?? {}, item, `${where}[${i}]`, problems));
      return;
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        problems.push(`${where}: ${Array.isArray(value) ? 'an array' : typeof value}, expected an object`);
        return;
      }
      const record = value as Record<string, unknown>;
      for (const name of schema.required ?? []) if (record[name] === undefined) problems.push(`${where}.${name}: required, missing`);
      for (const [name, item] of Object.entries(record)) {
        const declared = schema.properties?.[name];
        if (declared) check(document, declared, item, `${where}.${name}`, problems);
        else if (typeof schema.additionalProperties === 'object') check(document, schema.additionalProperties, item, `${where}.${name}`, problems);
        else if (schema.additionalProperties !== true && schema.properties) problems.push(`${where}.${name}: not in the schema`);
      }
      return;
    }
    default:
      return;
  }
}
