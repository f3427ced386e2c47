// What a rule's cases are (cases.ts and the per-area case files share it without a cycle).
import type { Doc } from '../../src/rules/test/helpers.fixture.js';

export type Case = Doc | Doc[];
export interface RuleCases {
  name: string;
  fire: Case[];
  quiet: Case[];
}
