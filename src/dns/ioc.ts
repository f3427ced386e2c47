// The IoC domain list of `d4c agent --ioc-domains FILE`: one domain a line (`#` comments and blank
// lines allowed); a listed domain matches itself and every subdomain. Validated with positions.
import { readFileSync } from 'node:fs';
import { D4cError } from '../util/index.js';
import { DNS_CODES } from './codes.js';
import { normalName } from './domain.js';

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

export class DomainList {
  private constructor(private readonly set: ReadonlySet<string>) {}

  static empty(): DomainList {
    return new DomainList(new Set());
  }

  /** Throws D4cError iocBadLine (src/dns/codes.ts) at FILE:LINE:COL for a line that is not a domain name. */
  static parse(text: string, file: string): DomainList {
    const set = new Set<string>();
    const lines = text.split('\n');
    lines.forEach((raw, i) => {
      const line = raw.replace(/\r$/, '');
      const hash = line.indexOf('#');
      const body = hash >= 0 ? line.slice(0, hash) : line;
      const t = body.trim();
      if (t === '') return;
      const col = body.indexOf(t) + 1;
      const n = normalName(t);
      const why = invalid(n);
      if (why !== undefined)
        throw new D4cError(
          DNS_CODES.iocBadLine.code,
          `not a domain name: ${JSON.stringify(t)} (${why})`,
          file,
          {
            line: i + 1,
            col,
          },
        );
      set.add(n);
    });
    return new DomainList(set);
  }

  static load(file: string): DomainList {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new D4cError(
        DNS_CODES.iocUnreadable.code,
        `cannot read the IoC domain list: ${(err as Error).message}`,
        file,
      );
    }
    return DomainList.parse(text, file);
  }

  get size(): number {
    return this.set.size;
  }

  /** The listed domain that `name` is, or is a subdomain of; undefined when none. */
  match(name: string): string | undefined {
    if (this.set.size === 0) return undefined;
    let n = normalName(name);
    for (;;) {
      if (this.set.has(n)) return n;
      const dot = n.indexOf('.');
      if (dot < 0) return undefined;
      n = n.slice(dot + 1);
    }
  }
}

function invalid(n: string): string | undefined {
  if (n.length > 253) return 'longer than 253 characters';
  if (n.startsWith('*.')) return 'no wildcards: a domain already matches its subdomains';
  for (const l of n.split('.')) {
    if (l === '') return 'empty label';
    if (!LABEL.test(l)) return `bad label ${JSON.stringify(l)}`;
  }
  return undefined;
}
