// The console: a local web UI over the store (docs/console.md).
export { type AlertRow, type AlertsAnswer, alertRow, alerts, type ConsoleStore } from './api.js';
export { bundleUi, loadAssets } from './assets.js';
export {
  type ConsoleOptions,
  type ConsoleServer,
  CSP,
  checkListen,
  DEFAULT_CONSOLE_HOST,
  DEFAULT_CONSOLE_PORT,
  startConsole,
} from './server.js';
