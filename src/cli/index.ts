// The `d4c` command line. bin/d4c.js runs main.ts; generators and tests enter here (loading
// main.ts registers every command).

export { parse } from './args.js';
export { exitCodes, groups, optionText, synopsis } from './help.js';
export { main } from './main.js';
export { COMMANDS, type OptionHelp } from './registry.js';
