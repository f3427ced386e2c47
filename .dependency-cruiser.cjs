// Module boundaries (`npm run check`, `npm run deps`): every folder of src/ is entered through its
// index.ts, and no file import cycle. See docs/architecture.md.
const INDEX = '^src/[^/]+/index\\.ts$';
// Fixtures (`*.fixture.ts`) are test-only and kept out of the build: any test may use them.
const FIXTURE = '\\.fixture\\.ts$';
const ENTER = 'goes past the entry of another folder: import src/<folder>/index.ts (export the name there)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'a file import cycle: move what both sides need into a third module',
      from: {},
      to: { circular: true },
    },
    {
      name: 'folder-entry',
      severity: 'error',
      comment: `a file in src/<folder> (its tests included) ${ENTER}`,
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/.', pathNot: ['^src/$1/', INDEX, FIXTURE] },
    },
    {
      name: 'folder-entry-tests',
      severity: 'error',
      comment: `a test under test/<folder> may read src/<folder>'s internals; this one ${ENTER}`,
      from: { path: '^test/([^/]+)/' },
      to: { path: '^src/[^/]+/.', pathNot: ['^src/$1/', INDEX, FIXTURE] },
    },
    {
      name: 'folder-entry-tools',
      severity: 'error',
      comment: `a benchmark, script or top-level test helper ${ENTER}`,
      from: { path: ['^bench/', '^scripts/', '^test/[^/]+$'] },
      to: { path: '^src/[^/]+/.', pathNot: [INDEX, FIXTURE] },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count too: a cycle through them is still a tangle to read.
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
