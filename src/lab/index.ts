// `d4c lab`: a local Kubernetes-shaped node (containerd + CRI, no kubelet) for tries and tests.

export { definitionFile, preparePod } from './kubelet.js';
export { parseManifests } from './manifest.js';
export {
  BASE_IMAGE,
  containerdConfig,
  ensureImage,
  LAB_UP_STEPS,
  LabError,
  type LabPaths,
  labDown,
  labPaths,
  labRunning,
  labUp,
  PAUSE_IMAGE,
} from './node.js';
export {
  type ExecOptions,
  execInPod,
  listPods,
  type PodRow,
  type RunningPod,
  type RunPodOptions,
  removePod,
  runPod,
  waitExit,
} from './pods.js';
export { createContainer, readStatus, startSupervisor } from './supervise.js';
export {
  type CriMount,
  fakeServiceAccountToken,
  parseVolume,
  podDir,
  removePodDir,
  SERVICE_ACCOUNT_PATH,
  type VolumeSpec,
} from './volumes.js';
