import { describe, expect, it } from 'vitest';
import { compileKql, interpretKql, KqlError, parseKql } from './index.js';

const doc = {
  event: { kind: 'alert', module: 'cloud_defend', category: ['process'] },
  process: { name: 'bash', pid: 42, args: ['bash', '-c', 'id'], interactive: true, title: 'a b' },
  file: { path: '/etc/pass(wd)' },
  '@timestamp': '2026-11-28T10:00:00Z',
  labels: [
    { key: 'app', value: 'web' },
    { key: 'tier', value: 'db' },
  ],
  note: 'or',
};

function m(q: string, d: unknown = doc): boolean {
  const ast = parseKql(q);
  const a = compileKql(ast)(d);
  expect(interpretKql(ast, d), `interpreted vs compiled: ${q}`).toBe(a);
  return a;
}

function err(q: string): [string, number] {
  try {
    parseKql(q);
  } catch (e) {
    if (e instanceof KqlError) return [e.code, e.offset];
    throw e;
  }
  throw new Error(`no error: ${q}`);
}

describe('KQL', () => {
  it('field:value, exact and case-sensitive on keywords', () => {
    expect(m('event.kind:alert and event.module:cloud_defend')).toBe(true);
    expect(m('event.kind:Alert')).toBe(false);
    expect(m('process.pid:42 and process.interactive:true')).toBe(true);
    expect(m('process.args:-c')).toBe(true);
    expect(m('process.title:"a b"')).toBe(true);
    expect(m('process.title:a')).toBe(false);
  });

  it('precedence: not > and > or, keywords case-insensitive, parentheses', () => {
    expect(m('event.kind:x or event.kind:alert and process.name:bash')).toBe(true);
    expect(m('(event.kind:x or event.kind:alert) AND NOT process.name:bash')).toBe(false);
    expect(m('not event.kind:x')).toBe(true);
    expect(m('not missing.field:x')).toBe(true);
  });

  it('value lists, wildcards, exists', () => {
    expect(m('process.name:(sh or bash)')).toBe(true);
    expect(m('process.args:(bash and id)')).toBe(true);
    expect(m('process.args:(bash and not id)')).toBe(false);
    expect(m('process.name:ba*')).toBe(true);
    expect(m('process.name:"ba*"')).toBe(false);
    expect(m('process.name:*sh')).toBe(true);
    expect(m('process.name:B*')).toBe(false);
    expect(m('process.name:*')).toBe(true);
    expect(m('process.nothing:*')).toBe(false);
    expect(m('process.n*:bash')).toBe(true);
    expect(m('proc*.pid:42')).toBe(true);
    expect(m('*:cloud_defend')).toBe(true);
  });

  it('ranges on numbers, dates and strings', () => {
    expect(m('process.pid > 41 and process.pid <= 42')).toBe(true);
    expect(m('process.pid >= 43')).toBe(false);
    expect(m('@timestamp >= "2026-11-28T09:00:00Z" and @timestamp < "2026-11-29"')).toBe(true);
    expect(m('process.name < c')).toBe(true);
  });

  it('nested queries over arrays of objects', () => {
    expect(m('labels:{ key:app and value:web }')).toBe(true);
    expect(m('labels:{ key:app and value:db }')).toBe(false);
  });

  it('escapes and free text', () => {
    expect(m('file.path:/etc/pass\\(wd\\)')).toBe(true);
    expect(m('file.path:"/etc/pass(wd)"')).toBe(true);
    expect(m('note:\\or')).toBe(true);
    expect(m('cloud_defend')).toBe(true);
    expect(m('"a b"')).toBe(true);
    expect(m('nothing_has_this')).toBe(false);
    expect(m('cloud*')).toBe(true);
    expect(m('')).toBe(true);
  });

  it('reports errors with codes and offsets', () => {
    expect(err('a:"x')).toEqual(['D4C-KQL-002', 2]);
    expect(err('a:(b or c')).toEqual(['D4C-KQL-001', 9]);
    expect(err('a:x\\')).toEqual(['D4C-KQL-003', 3]);
    expect(err('a > b*')).toEqual(['D4C-KQL-004', 4]);
    expect(err('a:{ b:1 ')).toEqual(['D4C-KQL-001', 8]);
    expect(err('a:x )')).toEqual(['D4C-KQL-001', 4]);
    expect(err('a:')).toEqual(['D4C-KQL-001', 2]);
    for (const q of ['(', ')', ':', 'a:(', 'not', 'a and', '"', '{'])
      expect(() => parseKql(q), q).toThrow(KqlError);
  });
});
