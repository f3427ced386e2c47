#!/usr/bin/env node
// Runs the TypeScript CLI through tsx: one compile at start-up, no build step for users.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
