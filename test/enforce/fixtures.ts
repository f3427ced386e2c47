// Shared by the enforcement tests and benchmark: the blocking policy and the container facts a
// real agent would serve from its container cache (here: container id -> image name).

import type { ContainerFacts } from '../../src/enforce/index.js';
import { compilePolicy, parsePolicy } from '../../src/policy/index.js';

// A copy of busybox: run under this name it is the echo applet.
export const BLOCKED_BIN = '/usr/local/bin/echo';

export const POLICY_YAML = `
process:
  selectors:
    - name: blockedExec
      operation: [exec]
      processExecutable: [${BLOCKED_BIN}]
    - name: allowedImage
      containerImageName: [d4c-allowed]
  responses:
    - match: [blockedExec]
      exclude: [allowedImage]
      actions: [alert, block]
file:
  selectors:
    - name: etcWrites
      operation: [modifyFile, modifyExecutable]
      targetFilePath: [/etc/**]
    - name: allowedImageFiles
      containerImageName: [d4c-allowed]
  responses:
    - match: [etcWrites]
      exclude: [allowedImageFiles]
      actions: [alert, block]
`;

export function blockingPolicy() {
  const r = parsePolicy(POLICY_YAML, 'enforce-test.yaml');
  if (!r.policy) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return compilePolicy(r.policy);
}

/** containerOf over a map of container id -> image name, keyed by the libpod cgroup path. */
export function contextFrom(images: Map<string, string>) {
  return (cgroupPath: string): ContainerFacts | undefined => {
    const m = /libpod-([0-9a-f]{64})/.exec(cgroupPath);
    const image = m ? images.get(m[1]!) : undefined;
    return image === undefined ? undefined : { containerImageFullName: image, containerImageTag: 'latest' };
  };
}

/** Only the file rule: the helper then asks about write opens, never about execs. */
export function fileOnlyPolicy() {
  const text = POLICY_YAML.slice(POLICY_YAML.indexOf('file:'));
  const r = parsePolicy(text, 'enforce-file.yaml');
  if (!r.policy) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return compilePolicy(r.policy);
}

/** The file rule without its container exclusion: decided on the path alone. */
export function pathOnlyPolicy() {
  const text = `
file:
  selectors:
    - name: etcWrites
      operation: [modifyFile, modifyExecutable]
      targetFilePath: [/etc/**]
  responses:
    - match: [etcWrites]
      actions: [alert, block]
`;
  const r = parsePolicy(text, 'enforce-path.yaml');
  if (!r.policy) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return compilePolicy(r.policy);
}
