// Elastic's rules over documents from d4c's own ECS builder (not hand-written shapes): the
// contract between the document producer and the detection engine.
import { basename } from 'node:path';
import { expect, it } from 'vitest';
import { builder, child, curl, NGINX, nginxInit, POD, PRIV, shell, t } from '../../../test/ecs/fixtures.js';
import { RuleEngine } from '../engine.js';
import { loadRules } from '../load.js';
import { describeElastic, ELASTIC_RULES_DIR, HAVE_ELASTIC_RULES } from './helpers.fixture.js';

const { rules } = HAVE_ELASTIC_RULES ? loadRules([ELASTIC_RULES_DIR]) : { rules: [] };
const name = (file: string) => rules.find((r) => basename(r.meta.file, '.toml') === file)!.meta.name;

/** Detections as [rule name, event ids], after a JSON round trip (as the NDJSON output has them). */
function detect(docs: unknown[]) {
  const run = (mode: 'compiled' | 'interpreted') => {
    const e = new RuleEngine(rules, { mode });
    const out = [...docs.flatMap((d) => e.push(JSON.parse(JSON.stringify(d)))), ...e.flush()];
    return out.map((d) => [d.rule.name, d.events]);
  };
  const compiled = run('compiled');
  expect(run('interpreted')).toEqual(compiled);
  return compiled;
}

describeElastic('Elastic rules over EcsBuilder documents', () => {
  it('a container init (nginx) triggers nothing', () => {
    const b = builder();
    const docs = [
      b.processExecDoc({ timeNs: t(100.5), process: nginxInit, container: NGINX, orchestrator: POD }),
    ];
    expect(detect(docs)).toEqual([]);
  });

  it('an interactive exec into a container, a download, and running the download', () => {
    const b = builder();
    const exec = b.processExecDoc({ timeNs: t(200.01), process: shell, container: PRIV, orchestrator: POD });
    const fork = b.processForkDoc({ timeNs: t(230.25), process: child, container: PRIV, orchestrator: POD });
    const dl = b.processExecDoc({ timeNs: t(230.3), process: curl, container: PRIV, orchestrator: POD });
    const created = b.fileDoc({
      timeNs: t(230.5),
      process: curl,
      container: PRIV,
      orchestrator: POD,
      file: { path: '/tmp/payload', operation: 'createFile', action: 'creation', mode: 0o100644 },
    });
    const payload = {
      ...child,
      executable: '/tmp/payload',
      name: 'payload',
      args: ['/tmp/payload'],
      parent: shell,
    };
    const run = b.processExecDoc({ timeNs: t(231), process: payload, container: PRIV, orchestrator: POD });
    const ids = [exec, fork, dl, created, run].map((d) => d.event.id);
    const got = detect([exec, fork, dl, created, run]);
    expect(got).toContainEqual([name('execution_interactive_exec_to_container'), [ids[0]]]);
    expect(got).toContainEqual([
      name('command_and_control_interactive_file_download_from_internet'),
      [ids[2]],
    ]);
    expect(got).toContainEqual([
      name('defense_evasion_interactive_process_execution_from_suspicious_directory'),
      [ids[4]],
    ]);
    expect(got).toContainEqual([
      name('execution_interactive_file_creation_followed_by_execution'),
      [ids[3], ids[4]],
    ]);
    // The fork is not an exec: nothing fires on it.
    expect(got.some(([, evs]) => (evs as unknown[]).includes(ids[1]))).toBe(false);
  });
});
