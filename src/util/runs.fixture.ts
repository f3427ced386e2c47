// How many runs a property test makes. The complete run (`npm test`, CI's `npm run check`) makes
// the count the test names; `npm run test:unit` (D4C_TEST_QUICK=1) a fifth of it, at least 10,
// so that the suite a developer runs on every change stays under a minute (docs/testing.md).
// Seeds and the regression cases are the same in both.
export const QUICK = process.env.D4C_TEST_QUICK === '1';

export function runs(n: number): number {
  return QUICK ? Math.max(10, Math.ceil(n / 5)) : n;
}
