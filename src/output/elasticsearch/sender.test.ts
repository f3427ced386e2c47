import { describe, expect, it } from 'vitest';
import { EsSender, redactor } from './sender.js';

describe('redaction', () => {
  it('removes secrets, URL credentials and authorization values', () => {
    const r = redactor(['hunter22', 'QUtFWTpzZWNyZXQ=']);
    expect(r('connect https://elastic:hunter22@es:9200 failed')).toBe(
      'connect https://<redacted>@es:9200 failed',
    );
    expect(r('key QUtFWTpzZWNyZXQ= bad')).toBe('key <redacted> bad');
    expect(r('authorization: ApiKey abcDEF123==')).toBe('authorization: ApiKey <redacted>');
  });

  it('keeps URL passwords out of the host list and errors', () => {
    const s = new EsSender({ hosts: ['https://elastic:p4ssw0rd@127.0.0.1:9'] });
    expect(s.hosts[0]).not.toContain('p4ssw0rd');
    expect(
      s.describeError(new Error('GET https://elastic:p4ssw0rd@127.0.0.1:9/ ECONNREFUSED p4ssw0rd')),
    ).not.toContain('p4ssw0rd');
  });

  it('rejects bad URLs and unreadable CA files with codes', () => {
    expect(() => new EsSender({ hosts: ['ftp://x'] })).toThrow(/D4C-ES-001|must be http/);
    expect(() => new EsSender({ hosts: [] })).toThrow(/no Elasticsearch URL/);
    expect(() => new EsSender({ hosts: ['https://x:9200'], caFile: '/nonexistent/ca.pem' })).toThrow(
      /cannot read CA file/,
    );
  });
});
