// A policy section as read from the YAML, before it is checked: what load.ts hands to check.ts
// (its own module so that the checker does not import the loader that calls it).
import type { Position } from '../util/index.js';
import type { Section } from './model.js';
import type { ResponseSource } from './read-response.js';
import type { SelectorSource } from './read-selector.js';

export interface SectionSource {
  section: Section;
  keyPos: Position;
  selectors: SelectorSource[];
  responses: ResponseSource[];
}
