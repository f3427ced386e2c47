// Stable error codes of the files the agent writes at a path a user names (safe-open.ts). Never
// renumber: users grep for them.
import { errorCodes } from './error-codes.js';

export const FILE_CODES = errorCodes('FILE', {
  unsafe: [
    1,
    'PATH is a symlink / is not a regular file / belongs to another user / has <n> links, in a directory other users can write to: refused (name a path in a directory only root writes, or remove what is there)',
  ],
});
