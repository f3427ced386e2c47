// The --k8s-audit-* flags: checked before anything starts, each refusal one sentence.
import { describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import { k8sAuditFromFlags } from './k8s-audit.js';

describe('--k8s-audit-* flags', () => {
  it('none: no attachment', () => {
    expect(k8sAuditFromFlags({})).toBeUndefined();
  });

  it('a file, a loopback webhook, or both', () => {
    expect(k8sAuditFromFlags({ 'k8s-audit-log': '/var/log/audit.log' })).toEqual({
      logFile: '/var/log/audit.log',
    });
    expect(k8sAuditFromFlags({ 'k8s-audit-webhook': '127.0.0.1:9466' })).toEqual({
      webhook: { host: '127.0.0.1', port: 9466 },
    });
    expect(k8sAuditFromFlags({ 'k8s-audit-webhook': '[::1]:9466', 'k8s-audit-log': 'f' })).toEqual({
      logFile: 'f',
      webhook: { host: '::1', port: 9466 },
    });
    expect(
      k8sAuditFromFlags({
        'k8s-audit-webhook': '0.0.0.0:9466',
        'k8s-audit-tls-cert': 'c',
        'k8s-audit-tls-key': 'k',
      }),
    ).toEqual({ webhook: { host: '0.0.0.0', port: 9466, tlsCert: 'c', tlsKey: 'k' } });
  });

  it('refuses another address without TLS, half a TLS pair, TLS without the webhook, a bad address', () => {
    const bad = (v: Parameters<typeof k8sAuditFromFlags>[0], m: RegExp) => {
      expect(() => k8sAuditFromFlags(v)).toThrow(UsageError);
      expect(() => k8sAuditFromFlags(v)).toThrow(m);
    };
    bad({ 'k8s-audit-webhook': '0.0.0.0:9466' }, /other than loopback needs --k8s-audit-tls-cert/);
    bad({ 'k8s-audit-webhook': '127.0.0.1:9466', 'k8s-audit-tls-cert': 'c' }, /go together/);
    bad({ 'k8s-audit-tls-key': 'k' }, /need --k8s-audit-webhook/);
    bad({ 'k8s-audit-webhook': '9466' }, /takes HOST:PORT/);
  });
});
