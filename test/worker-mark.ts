// In every test worker, before its file: notes the worker's pid for the global teardown
// (test/global-setup.ts), which tells this run's leftovers by the pids tests name them after.
import { noteWorker } from './leftovers.js';

noteWorker();
