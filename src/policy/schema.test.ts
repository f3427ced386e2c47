// The JSON Schema for editors: generated from the condition table, accepts the default policy,
// rejects what the table forbids.
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_POLICY, ELASTIC_DEFAULT_POLICY } from './default.js';
import { policyJsonSchema } from './schema.js';

const validate = new Ajv({ allErrors: true, strict: false }).compile(policyJsonSchema());

describe('policyJsonSchema', () => {
  it('accepts the default policies', () => {
    expect(validate(parse(DEFAULT_POLICY))).toBe(true);
    expect(validate(parse(ELASTIC_DEFAULT_POLICY))).toBe(true);
  });
  it('accepts a network section with ports as numbers and ranges', () => {
    expect(
      validate({
        network: {
          selectors: [
            {
              name: 'n',
              operation: ['connect'],
              destinationAddress: ['10.0.0.0/8', '/run/x.sock'],
              destinationPort: [443, '8000-8080'],
              transport: ['tcp'],
              processDrift: true,
            },
          ],
          responses: [{ match: ['n'], actions: ['alert'] }],
        },
        file: {
          selectors: [
            { name: 'r', operation: ['readFile'], targetFilePath: ['/etc/shadow'], processDrift: false },
          ],
          responses: [{ match: ['r'], actions: ['alert'] }],
        },
      }),
    ).toBe(true);
  });
  const netSel = (sel: Record<string, unknown>) => ({
    network: { selectors: [{ name: 'n', ...sel }], responses: [{ match: ['n'], actions: ['log'] }] },
  });
  it.each([
    ['a port above 65535', netSel({ destinationPort: [65536] })],
    ['a port that is not a number or range', netSel({ destinationPort: ['http'] })],
    ['an unknown transport', netSel({ transport: ['sctp'] })],
    ['a file operation in a network selector', netSel({ operation: ['readFile'] })],
    [
      'readFile without targetFilePath',
      {
        file: {
          selectors: [{ name: 'r', operation: ['modifyFile', 'readFile'] }],
          responses: [{ match: ['r'], actions: ['log'] }],
        },
      },
    ],
    ['a file condition in a network selector', netSel({ targetFilePath: ['/a'] })],
    ['processName with processExecutable', netSel({ processName: ['a'], processExecutable: ['/a'] })],
  ])('rejects %s', (_n, doc) => {
    expect(validate(doc)).toBe(false);
  });
  it.each([
    ['no section', {}],
    ['unknown top key', { process: parse(DEFAULT_POLICY).process, bogus: 1 }],
    [
      'file condition in a process selector',
      {
        process: {
          selectors: [{ name: 'a', targetFilePath: ['/a'] }],
          responses: [{ match: ['a'], actions: ['log'] }],
        },
      },
    ],
    [
      'bad operation',
      {
        file: {
          selectors: [{ name: 'a', operation: ['exec'] }],
          responses: [{ match: ['a'], actions: ['log'] }],
        },
      },
    ],
    [
      'bad path',
      {
        file: {
          selectors: [{ name: 'a', targetFilePath: ['/etc/'] }],
          responses: [{ match: ['a'], actions: ['log'] }],
        },
      },
    ],
    [
      'exclusive pair',
      {
        file: {
          selectors: [{ name: 'a', ignoreVolumeFiles: true, ignoreVolumeMounts: true }],
          responses: [{ match: ['a'], actions: ['log'] }],
        },
      },
    ],
    ['name only', { file: { selectors: [{ name: 'a' }], responses: [{ match: ['a'], actions: ['log'] }] } }],
    [
      'block without alert',
      {
        file: {
          selectors: [{ name: 'a', targetFilePath: ['/a'] }],
          responses: [{ match: ['a'], actions: ['block'] }],
        },
      },
    ],
    [
      'empty actions',
      {
        file: {
          selectors: [{ name: 'a', targetFilePath: ['/a'] }],
          responses: [{ match: ['a'], actions: [] }],
        },
      },
    ],
    [
      'bad name',
      {
        file: {
          selectors: [{ name: '-a', targetFilePath: ['/a'] }],
          responses: [{ match: ['-a'], actions: ['log'] }],
        },
      },
    ],
  ])('rejects %s', (_n, doc) => {
    expect(validate(doc)).toBe(false);
  });
});
