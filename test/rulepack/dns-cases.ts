// Cases for the DNS rules of d4c's pack (issue 18), merged into CASES by cases.ts. A DNS document
// is a network event with operation `dns` and the dns.* fields the agent writes; the domain split
// comes from the same Public Suffix List code the agent uses.
import { domainParts } from '../../src/dns/index.js';
import { type Doc, netEv, patch } from '../../src/rules/test/helpers.fixture.js';
import type { RuleCases } from './cases.js';

/** One DNS transaction document: the question `name` of `type`, asked by `args`. */
export function dnsEv(name: string, type = 'A', args: string[] = ['curl', 'https://example.com']): Doc {
  const p = domainParts(name);
  const question: Doc = { name, type, class: 'IN' };
  if (p.registeredDomain) question.registered_domain = p.registeredDomain;
  if (p.topLevelDomain) question.top_level_domain = p.topLevelDomain;
  if (p.subdomain) question.subdomain = p.subdomain;
  return patch(
    netEv('lookup_result', { transport: 'udp', destination: { ip: '10.96.0.10', port: 53 } }, { args }),
    {
      event: { type: ['protocol', 'info'] },
      network: { protocol: 'dns' },
      dns: { id: '4660', type: 'answer', op_code: 'QUERY', question, response_code: 'NOERROR' },
      cloud_defend: { operation: 'dns' },
    },
  );
}

const burst = (n: number, names: (i: number) => string, type = 'TXT'): Doc[] =>
  Array.from({ length: n }, (_, i) => dnsEv(names(i), type, ['iodine']));
const kubeSystem = (d: Doc): Doc => patch(d, { orchestrator: { namespace: 'kube-system' } });

export const DNS_CASES: Record<string, RuleCases> = {
  'e9439b74-0fa7-4dfb-afef-a49b38fce48f': {
    name: 'DNS Query with Encoded-Data Labels from a Container',
    fire: [
      dnsEv(`${'a'.repeat(20)}${'b7'.repeat(20)}.t.example.com`),
      dnsEv('4d5a90000300000004000000ffff0000b8000000.exfil.example.net', 'TXT'),
      dnsEv('x9k2m4q7z1.c2.example.org'),
      dnsEv(`${'Q'.repeat(63)}.example.com`),
    ],
    quiet: [
      dnsEv('www.example.com'),
      dnsEv('ip-10-0-0-1.ec2.internal'),
      dnsEv('r4---sn-ab5l6n7s.googlevideo.com'),
      dnsEv('kubernetes.default.svc.cluster.local'),
      dnsEv('e12345.a.akamaiedge.net'),
      dnsEv('deadbeefdeadbeef.example.com'),
      // a long name made of ordinary labels
      dnsEv('the.quick.brown.fox.jumps.over.the.lazy.dog.again.and.again.example.com'),
    ],
  },
  'ad871092-e65b-4e11-a8f0-35b888ab4f1c': {
    name: 'Burst of TXT or NULL DNS Queries to One Domain from a Container',
    fire: [burst(5, (i) => `p${i}.t.tunnel.example`), burst(6, (i) => `${i}.data.tunnel.example`, 'NULL')],
    quiet: [
      burst(4, (i) => `p${i}.t.tunnel.example`),
      // five TXT queries, but to five domains
      burst(5, (i) => `x.d${i}.example`),
      // five queries to one domain, but A records
      burst(5, (i) => `p${i}.t.tunnel.example`, 'A'),
    ],
  },
  'f423f285-0601-45d1-bad2-a5e610eb0163': {
    name: 'Container Resolved a Cloud Instance Metadata Service Name',
    fire: [
      dnsEv('metadata.google.internal'),
      dnsEv('Metadata.Google.Internal.'),
      dnsEv('instance-data.ec2.internal', 'A', ['python3', 'app.py']),
      dnsEv('metadata.goog', 'AAAA'),
    ],
    quiet: [
      kubeSystem(dnsEv('metadata.google.internal')),
      dnsEv('metadata.example.com'),
      dnsEv('storage.googleapis.com'),
      netEv('connection_attempted', { destination: { ip: '10.0.0.1', port: 80 } }, { args: ['curl'] }),
    ],
  },
  'df4818ca-64d8-4f1f-9138-836e014f7373': {
    name: 'Container Resolved a Cryptocurrency Mining Pool Domain',
    fire: [
      dnsEv('pool.supportxmr.com', 'A', ['/tmp/kdevtmpfsi']),
      dnsEv('gulf.moneroocean.stream', 'A', ['./x']),
      dnsEv('xmr-eu1.nanopool.org', 'AAAA', ['sh']),
      dnsEv('Pool.MineXMR.com'),
    ],
    quiet: [
      dnsEv('www.example.com'),
      dnsEv('supportxmr.com.example.net'),
      dnsEv('nanopool.org.evil.example'),
      dnsEv('registry-1.docker.io'),
    ],
  },
};
