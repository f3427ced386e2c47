// The network section, readFile and processDrift in the validator: every new code with its
// position and text, the condition rules across sections, and the block rules.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENFORCEMENT_CAPS, FULL_ENFORCEMENT_CAPS, withConnectBlock } from './check.js';
import { connectBlockRules } from './connect-rules.js';
import { problems, where, y } from './helpers.fixture.js';
import { parsePolicy } from './load.js';

/** A network policy with one selector whose body is `body` (indented YAML lines). */
function net(body: string, actions = '[alert]'): string {
  return `network:\n  selectors:\n    - name: egress\n${body
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n')}\n  responses:\n    - match: [egress]\n      actions: ${actions}\n`;
}

describe('network section', () => {
  it('loads every network condition', () => {
    const text = net(
      [
        'operation: [connect, accept, bind, listen]',
        'destinationAddress: [10.0.0.0/8, "fd00::/8", 169.254.169.254, /run/docker.sock, "@/tmp/.X11-unix/*"]',
        'destinationPort: [443, "8000-8080", "0"]',
        'transport: [tcp, udp, unix]',
        'processDrift: true',
        'processName: [curl]',
        'containerImageName: [nginx]',
        'kubernetesNamespace: [prod]',
        'kubernetesPodLabel: ["app:web"]',
      ].join('\n'),
    );
    const r = parsePolicy(text, 'p.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.policy?.network?.selectors[0]).toMatchObject({
      section: 'network',
      operation: ['connect', 'accept', 'bind', 'listen'],
      destinationAddress: [
        '10.0.0.0/8',
        'fd00::/8',
        '169.254.169.254',
        '/run/docker.sock',
        '@/tmp/.X11-unix/*',
      ],
      destinationPort: ['443', '8000-8080', '0'],
      transport: ['tcp', 'udp', 'unix'],
      processDrift: true,
    });
  });

  it('a network section alone is a policy', () => {
    expect(parsePolicy(net('operation: [connect]'), 'p').policy?.network?.responses).toHaveLength(1);
  });

  it('names bad addresses precisely, at the value (D4C-POL-040)', () => {
    const text = net(
      'destinationAddress: [10.0.0.256, 10.0.0.0/33, "fe80::1%eth0", "1::2::3", example.com, /run/, "@"]',
    );
    const at = (v: string) => where(text, text.includes(JSON.stringify(v)) ? JSON.stringify(v) : v);
    const m = (v: string, reason: string) =>
      `D4C-POL-040 ${at(v)}: error: selector "egress": "destinationAddress" value ${JSON.stringify(v)}: ${reason}`;
    const tail = '; expected an IP address, a CIDR (10.0.0.0/8, fd00::/8) or a unix socket path';
    expect(problems(text)).toEqual([
      m('10.0.0.256', `not a valid IPv4 address: 256 is greater than 255${tail}`),
      m('10.0.0.0/33', `the prefix length 33 is greater than 32 for an IPv4 address${tail}`),
      m('fe80::1%eth0', `not a valid IPv6 address: zone indexes (%...) are not supported${tail}`),
      m('1::2::3', `not a valid IPv6 address: "::" may appear only once${tail}`),
      m('example.com', `not a valid IPv4 address: an IPv4 address has 4 dot-separated numbers, not 2${tail}`),
      m(
        '/run/',
        'a unix socket path must be absolute; a final /* matches the sockets of a directory, /** any depth (e.g. /run/containerd/*)',
      ),
      m('@', 'an abstract unix socket name is @ followed by a name; a final /* or /** is the only wildcard'),
    ]);
  });

  it('warns about host bits after the prefix (D4C-POL-044)', () => {
    const text = net('destinationAddress: [10.1.2.3/8, "fd00::1/8"]');
    expect(problems(text)).toEqual([
      `D4C-POL-044 ${where(text, '10.1.2.3/8')}: warning: selector "egress": "10.1.2.3/8" has bits set after the prefix; it means "10.0.0.0/8"`,
      `D4C-POL-044 ${where(text, '"fd00::1/8"')}: warning: selector "egress": "fd00::1/8" has bits set after the prefix; it means "fd00::/8"`,
    ]);
  });

  it('names bad ports and ranges, at the value (D4C-POL-042)', () => {
    const text = net('destinationPort: [65536, "8080-8000", http, 1.5, -1, "70000-70001", true]');
    const m = (v: string, reason: string) =>
      `D4C-POL-042 ${where(text, text.includes(JSON.stringify(v)) ? JSON.stringify(v) : v)}: error: selector "egress": "destinationPort" value ${JSON.stringify(v)}: ${reason}`;
    expect(problems(text)).toEqual([
      m('65536', '65536 is outside 0-65535'),
      m('8080-8000', 'the range is reversed (8080 > 8000); write 8000-8080'),
      m('http', 'expected a port (443) or a range (8000-8080)'),
      m('1.5', '1.5 is not a whole number'),
      m('-1', '-1 is outside 0-65535'),
      m('70000-70001', '70000 is outside 0-65535'),
      `D4C-POL-009 ${where(text, 'true')}: error: selector "egress": "destinationPort" values must be ports (443) or ranges ("8000-8080"), not a boolean`,
    ]);
  });

  it('ports: empty list, duplicates in canonical form', () => {
    let text = net('destinationPort: []');
    expect(problems(text)).toEqual([
      `D4C-POL-018 ${where(text, '[]')}: error: selector "egress": "destinationPort": At least one value is required.`,
    ]);
    text = net('destinationPort: [443, "443"]');
    expect(problems(text)).toEqual([
      `D4C-POL-034 ${where(text, '"443"')}: warning: selector "egress": duplicate "destinationPort" value "443"`,
    ]);
  });

  it('transports are a closed set, with a hint (D4C-POL-041)', () => {
    const text = net('transport: [TCP, udp]');
    expect(problems(text)).toEqual([
      `D4C-POL-041 ${where(text, 'TCP')}: error: selector "egress": "TCP" is not a "transport" value; expected one of: tcp, udp, unix (did you mean "tcp"?)`,
    ]);
  });

  it('refuses conditions of other sections and suggests misspelt keys', () => {
    const text = net(
      'operation: [connect, readFile]\ntargetFilePath: [/etc/**]\nsessionLeaderInteractive: true\ndestinationPorts: [80]',
    );
    expect(problems(text)).toEqual([
      `D4C-POL-016 ${where(text, 'readFile')}: error: selector "egress": "readFile" is not a network operation (it is a file one); expected one of: connect, accept, bind, listen, dns`,
      `D4C-POL-017 ${where(text, 'targetFilePath')}: error: selector "egress": "targetFilePath" is a file condition; a network selector cannot use it`,
      `D4C-POL-017 ${where(text, 'sessionLeaderInteractive')}: error: selector "egress": "sessionLeaderInteractive" is a process condition; a network selector cannot use it`,
      `D4C-POL-008 ${where(text, 'destinationPorts')}: error: unknown key "destinationPorts" in selector "egress" (did you mean "destinationPort"?)`,
    ]);
    const file = y`
      file:
        selectors:
          - name: f
            operation: [connect]
            destinationPort: [80]
        responses:
          - match: [f]
            actions: [log]
    `;
    expect(problems(file)).toEqual([
      `D4C-POL-016 ${where(file, 'connect')}: error: selector "f": "connect" is not a file operation (it is a network one); expected one of: createExecutable, modifyExecutable, createFile, modifyFile, deleteFile, readFile`,
      `D4C-POL-017 ${where(file, 'destinationPort')}: error: selector "f": "destinationPort" is a network condition; a file selector cannot use it`,
    ]);
  });

  it('network selectors keep processExecutable and processName exclusive', () => {
    const text = net('processExecutable: [/usr/bin/curl]\nprocessName: [curl]');
    expect(problems(text)).toEqual([
      `D4C-POL-022 ${where(text, 'processName')}: error: selector "egress": "processName" cannot be used with "processExecutable" in the same selector`,
    ]);
  });

  it('block on network operations is an error (D4C-POL-043), even with full file/process capabilities', () => {
    const text = net('operation: [connect]\ndestinationPort: [22]', '[alert, block]');
    const want = [
      `D4C-POL-043 ${where(text, 'block')}: error: network response #1: "block" on network operations is not supported (connect): nothing can deny them on this kernel; use "alert"`,
    ];
    expect(problems(text)).toEqual(want);
    expect(problems(text, { enforcementCaps: FULL_ENFORCEMENT_CAPS })).toEqual(want);
    // A kernel that could deny connects (cgroup connect4/6) would take it.
    const caps = { blockable: new Set(['connect' as const]), mechanism: 'cgroup/connect' };
    expect(problems(text, { enforcementCaps: caps })).toEqual([]);
    const all = net('transport: [tcp]', '[alert, block]');
    expect(problems(all, { enforcementCaps: caps })[0]).toContain(
      '"block" on network operations is not supported (accept, bind, listen)',
    );
  });

  it('responses cannot mix network and other selectors', () => {
    const text = y`
      process:
        selectors:
          - name: p
            operation: [exec]
        responses:
          - match: [p]
            actions: [log]
      network:
        selectors:
          - name: n
            operation: [connect]
        responses:
          - match: [n, p]
            actions: [log]
    `;
    expect(problems(text)).toEqual([
      `D4C-POL-029 ${where(text, 'p]', 2)}: error: network response #1: "p" is a process selector; a network response can only use network selectors`,
    ]);
  });
});

describe('readFile', () => {
  const file = (sel: string, actions = '[alert]') =>
    `file:\n  selectors:\n    - name: secrets\n${sel
      .split('\n')
      .map((l) => `      ${l}`)
      .join('\n')}\n  responses:\n    - match: [secrets]\n      actions: ${actions}\n`;

  it('is accepted with targetFilePath', () => {
    const r = parsePolicy(file('operation: [readFile]\ntargetFilePath: [/run/secrets/**, /etc/shadow]'), 'p');
    expect(r.diagnostics).toEqual([]);
    expect(r.policy?.file?.selectors[0]?.operation).toEqual(['readFile']);
  });

  it('needs targetFilePath in the same selector (D4C-POL-039), at the readFile value', () => {
    const text = file('operation: [modifyFile, readFile]\ncontainerImageName: [nginx]');
    expect(problems(text)).toEqual([
      `D4C-POL-039 ${where(text, 'readFile')}: error: selector "secrets": "readFile" needs "targetFilePath" in the same selector: reads are watched in the kernel only below the paths selectors name`,
    ]);
  });

  it('a selector without operation does not enable it (no path needed, nothing to report)', () => {
    expect(problems(file('containerImageName: [nginx]'))).toEqual([]);
  });

  it('block on reads is warned about as not enforced here, and accepted with full capabilities', () => {
    const text = file('operation: [readFile]\ntargetFilePath: [/etc/shadow]', '[alert, block]');
    expect(problems(text)).toEqual([
      `D4C-POL-033 ${where(text, 'block')}: warning: file response #1: "block" on readFile alerts but does not prevent the operation on this kernel (fanotify can deny: modifyExecutable, modifyFile, exec)`,
    ]);
    expect(problems(text, { enforcementCaps: FULL_ENFORCEMENT_CAPS })).toEqual([]);
  });
});

describe('processDrift', () => {
  it.each(['process', 'file', 'network'])('is a boolean condition of %s selectors', (section) => {
    const text = `${section}:\n  selectors:\n    - name: d\n      processDrift: true\n  responses:\n    - match: [d]\n      actions: [alert]\n`;
    const r = parsePolicy(text, 'p');
    expect(r.diagnostics).toEqual([]);
    expect(r.policy?.[section as 'process']?.selectors[0]?.processDrift).toBe(true);
    expect(problems(text.replace('true', '"yes"'))).toEqual([
      `D4C-POL-009 4:21: error: selector "d": "processDrift" must be true or false, not a string`,
    ]);
  });
});

describe('block on connect where the kernel can deny connects', () => {
  const caps = withConnectBlock(DEFAULT_ENFORCEMENT_CAPS);
  const policy = (sel: string, extra = '') =>
    `network:\n  selectors:\n    - name: out\n      operation: [connect]\n${sel
      .split('\n')
      .map((l) => `      ${l}`)
      .join(
        '\n',
      )}\n    - name: other\n      processName: [curl]\n  responses:\n    - match: [other]\n      actions: [log]\n    - match: [out]\n${extra}      actions: [alert, block]\n`;

  it('accepts what the connect filter can express', () => {
    expect(
      problems(policy('destinationAddress: [10.0.0.0/8, "::1"]\ndestinationPort: [22]\ntransport: [tcp]'), {
        enforcementCaps: caps,
      }),
    ).toEqual([]);
  });

  it.each([
    [
      'a container condition',
      'kubernetesNamespace: [prod]',
      'the connect filter sees only the destination, not kubernetesNamespace',
    ],
    [
      'a unix socket',
      'destinationAddress: [/run/docker.sock]',
      'the connect filter sees IP destinations only, not unix sockets',
    ],
    ['unix transport only', 'transport: [unix]', 'the connect filter sees tcp and udp only'],
    ['drift', 'processDrift: true', 'the connect filter sees only the destination, not processDrift'],
  ])('refuses %s (D4C-POL-043)', (_n, sel, reason) => {
    const text = policy(sel);
    expect(problems(text, { enforcementCaps: caps })).toEqual([
      `D4C-POL-043 ${where(text, 'block')}: error: network response #2: "block" on connect cannot be enforced: selector "out": ${reason}; use "alert"`,
    ]);
  });

  it('refuses exclude', () => {
    const text = policy('destinationPort: [22]', '      exclude: [other]\n');
    expect(problems(text, { enforcementCaps: caps })).toEqual([
      `D4C-POL-043 ${where(text, 'block')}: error: network response #2: "block" on connect cannot be enforced: the connect filter cannot express "exclude"; use "alert"`,
    ]);
  });

  it('connectBlockRules: one rule per address and port, IPv4 as mapped, protocols from transport', () => {
    const text = policy(
      'destinationAddress: [10.0.0.0/8, "fd00::/8"]\ndestinationPort: [22, "8000-8080"]\ntransport: [udp]',
    );
    const p = parsePolicy(text, 'p', { enforcementCaps: caps }).policy!;
    const { rules, problems: why } = connectBlockRules(p);
    expect(why).toEqual([]);
    expect(rules).toHaveLength(4);
    expect(rules[0]).toEqual({
      net: [0, 0, 0xffff, 0x0a000000],
      mask: [0xffffffff, 0xffffffff, 0xffffffff, 0xff000000],
      lo: 22,
      hi: 22,
      proto: 2,
      ops: 1,
    });
    expect(rules[3]).toEqual({
      net: [0xfd000000, 0, 0, 0],
      mask: [0xff000000, 0, 0, 0],
      lo: 8000,
      hi: 8080,
      proto: 2,
      ops: 1,
    });
    const all = connectBlockRules(
      parsePolicy(policy('transport: [tcp, udp]'), 'p', { enforcementCaps: caps }).policy!,
    );
    expect(all.rules).toEqual([
      { net: [0, 0, 0, 0], mask: [0, 0, 0, 0], lo: 0, hi: 65535, proto: 3, ops: 1 },
    ]);
    expect(connectBlockRules(parsePolicy(net('operation: [connect]'), 'p').policy!).rules).toEqual([]);
  });

  it('block on bind: its rules deny bind only; a selector naming both gives both bits', () => {
    const bindPolicy = (ops: string) =>
      `network:\n  selectors:\n    - name: shell\n      operation: [${ops}]\n      destinationPort: [4444]\n  responses:\n    - match: [shell]\n      actions: [alert, block]\n`;
    const p = parsePolicy(bindPolicy('bind'), 'p', { enforcementCaps: caps });
    expect(p.diagnostics).toEqual([]);
    expect(connectBlockRules(p.policy!).rules).toEqual([
      { net: [0, 0, 0, 0], mask: [0, 0, 0, 0], lo: 4444, hi: 4444, proto: 3, ops: 2 },
    ]);
    const both = parsePolicy(bindPolicy('connect, bind'), 'p', { enforcementCaps: caps });
    expect(connectBlockRules(both.policy!).rules[0]?.ops).toBe(3);
    // listen still has no veto: refused.
    const listen = bindPolicy('bind, listen');
    expect(problems(listen, { enforcementCaps: caps })[0]).toContain(
      '"block" on network operations is not supported (listen)',
    );
    // A bind selector the filter cannot express names bind in the reason.
    const proc = bindPolicy('bind').replace('destinationPort: [4444]', 'processName: [nc]');
    expect(problems(proc, { enforcementCaps: caps })[0]).toContain(
      '"block" on bind cannot be enforced: selector "shell": the connect filter sees only the destination, not processName',
    );
  });
});
