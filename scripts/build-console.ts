// `npm run build`: bundles the console's front end (src/console/ui) into DIR/app.js and app.css.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleUi } from '../src/console/index.js';

const dir = process.argv[2] ?? 'dist/console/ui';
const a = await bundleUi(true);
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'app.js'), a.js);
writeFileSync(join(dir, 'app.css'), a.css);
process.stdout.write(`build-console: ${join(dir, 'app.js')} (${a.js.length} bytes)\n`);
