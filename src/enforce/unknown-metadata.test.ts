import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy/index.js';
import { metadataDependence } from './unknown-metadata.js';

function dep(yaml: string) {
  const r = parsePolicy(yaml, 'dep.yaml');
  if (!r.policy) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return metadataDependence(r.policy);
}

describe('metadataDependence', () => {
  it('a block on path and operation alone does not depend on metadata', () => {
    expect(
      dep(`
file:
  selectors:
    - name: etc
      operation: [modifyFile]
      targetFilePath: [/etc/**]
  responses:
    - match: [etc]
      actions: [alert, block]
process:
  selectors:
    - name: nc
      operation: [exec]
      processName: [nc]
  responses:
    - match: [nc]
      actions: [alert, block]
`),
    ).toEqual({ file: false, process: false });
  });

  it('a container, pod or writer condition in a matched or excluded selector does', () => {
    expect(
      dep(`
file:
  selectors:
    - name: etc
      targetFilePath: [/etc/**]
    - name: trusted
      containerImageName: [trusted]
  responses:
    - match: [etc]
      exclude: [trusted]
      actions: [alert, block]
process:
  selectors:
    - name: ns
      kubernetesNamespace: [prod]
  responses:
    - match: [ns]
      actions: [alert, block]
`),
    ).toEqual({ file: true, process: true });
    // The writing process and its mounts are metadata for a file request (it names only the file).
    expect(
      dep(`
file:
  selectors:
    - name: byCurl
      targetFilePath: [/etc/**]
      processDrift: true
  responses:
    - match: [byCurl]
      actions: [alert, block]
`).file,
    ).toBe(true);
  });

  it('responses without block are not looked at', () => {
    expect(
      dep(`
file:
  selectors:
    - name: etc
      targetFilePath: [/etc/**]
    - name: img
      containerImageName: [x]
  responses:
    - match: [etc]
      actions: [alert, block]
    - match: [img]
      actions: [alert]
`),
    ).toEqual({ file: false, process: false });
  });
});
