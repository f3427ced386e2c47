// The console: a local web UI over the store (docs/console.md).
export { ALERT_ROWS, alerts } from './alerts.js';
export { type AlertRow, type AlertsAnswer, alertRow, type ConsoleStore } from './api.js';
export { bundleUi, loadAssets } from './assets.js';
export { isLoopback } from './auth.js';
export { CONSOLE_CODES } from './codes.js';
export { type HealthAnswer, health } from './health.js';
export { type HuntAnswer, hunt, SAVED_HUNTS } from './hunt.js';
export { type K8sAnswer, k8s } from './k8s.js';
export { type RunningPolicy, testDraft, validate } from './policy.js';
export { posture } from './posture.js';
export {
  type ConsoleInfo,
  type ConsoleOptions,
  type ConsoleServer,
  CSP,
  checkListen,
  DEFAULT_CONSOLE_HOST,
  DEFAULT_CONSOLE_PORT,
  pageCsp,
  startConsole,
} from './server.js';
export { buildSession, type SessionAnswer, session } from './session.js';
