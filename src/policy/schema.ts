// JSON Schema (draft-07, what YAML language servers read) generated from the condition table.
// It catches shape, names, values and patterns while typing; byte limits (it can only count
// characters) and cross-references remain for `d4c policy validate`.

import {
  CONDITIONS,
  type ConditionSpec,
  MAX_NAME_CHARS,
  MAX_SELECTORS_AND_RESPONSES,
  maxBytesOf,
  NAME_PATTERN,
  OPERATIONS_BY_SECTION,
} from './conditions.js';
import { ACTIONS, SECTIONS, type Section } from './model.js';
import { MAX_PORT } from './net.js';

type Schema = Record<string, unknown>;

function conditionSchema(c: ConditionSpec, section: Section): Schema {
  const description = c.notes || undefined;
  if (c.kind === 'flag' || c.kind === 'boolean') return { type: 'boolean', description };
  if (c.kind === 'portList') {
    const port = { type: 'integer', minimum: 0, maximum: MAX_PORT };
    // Ranges are strings; the order of the bounds and their limit are left to the validator.
    const range = { type: 'string', pattern: '^[0-9]{1,5}(-[0-9]{1,5})?$' };
    return { type: 'array', minItems: 1, items: { anyOf: [port, range] }, description };
  }
  const item: Schema =
    c.kind === 'operationList'
      ? { type: 'string', enum: [...OPERATIONS_BY_SECTION[section]] }
      : c.values
        ? { type: 'string', enum: [...c.values] }
        : { type: 'string', minLength: 1, maxLength: maxBytesOf(c) };
  // The linear-time form: valid with the `u` flag and safe in editors.
  if (c.pattern) item.pattern = c.pattern.test.source;
  return { type: 'array', minItems: 1, items: item, description };
}

function selectorSchema(section: Section): Schema {
  const own = CONDITIONS.filter((c) => c.sections.includes(section));
  const properties: Schema = {
    name: {
      type: 'string',
      pattern: NAME_PATTERN.source.replace(/a-z/g, 'a-zA-Z'),
      maxLength: MAX_NAME_CHARS,
    },
  };
  for (const c of own) properties[c.name] = conditionSchema(c, section);
  const exclusions: Schema[] = own.flatMap((c) =>
    (c.not ?? []).filter((o) => c.name < o).map((o) => ({ not: { required: [c.name, o] } })),
  );
  if (section === 'file') {
    // readFile only with targetFilePath (D4C-POL-039).
    exclusions.push({
      anyOf: [
        { not: { required: ['operation'], properties: { operation: { contains: { const: 'readFile' } } } } },
        { required: ['targetFilePath'] },
      ],
    });
  }
  return {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    minProperties: 2,
    properties,
    ...(exclusions.length > 0 ? { allOf: exclusions } : {}),
  };
}

const RESPONSE: Schema = {
  type: 'object',
  required: ['match', 'actions'],
  additionalProperties: false,
  properties: {
    match: { type: 'array', minItems: 1, items: { type: 'string' } },
    exclude: { type: 'array', items: { type: 'string' } },
    actions: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', enum: [...ACTIONS] },
      // block requires alert
      anyOf: [{ not: { contains: { const: 'block' } } }, { contains: { const: 'alert' } }],
    },
  },
};

export function policyJsonSchema(): Schema {
  const sections: Schema = {};
  const defs: Schema = { response: RESPONSE };
  for (const s of SECTIONS) {
    defs[`${s}Selector`] = selectorSchema(s);
    sections[s] = {
      type: 'object',
      required: ['selectors', 'responses'],
      additionalProperties: false,
      properties: {
        selectors: {
          type: 'array',
          minItems: 1,
          maxItems: MAX_SELECTORS_AND_RESPONSES - 1,
          items: { $ref: `#/definitions/${s}Selector` },
        },
        responses: {
          type: 'array',
          minItems: 1,
          maxItems: MAX_SELECTORS_AND_RESPONSES - 1,
          items: { $ref: '#/definitions/response' },
        },
      },
    };
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'D4C policy (Elastic Defend for Containers)',
    type: 'object',
    additionalProperties: false,
    anyOf: SECTIONS.map((s) => ({ required: [s] })),
    properties: sections,
    definitions: defs,
  };
}
