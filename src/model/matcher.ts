import { compileAnchored, type Regex } from '../lib/regex/index.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

/** A label matcher (`name="v"`, `name!="v"`, `name=~"re"`, `name!~"re"`), with Prometheus's semantics. */
export class Matcher {
  private readonly re: Regex | undefined;

  constructor(
    readonly type: MatchType,
    readonly name: string,
    readonly value: string,
  ) {
    if (type === '=~' || type === '!~') this.re = compileAnchored(value);
  }

  matches(v: string): boolean {
    switch (this.type) {
      case '=':
        return v === this.value;
      case '!=':
        return v !== this.value;
      case '=~':
        return this.re!.test(v);
      case '!~':
        return !this.re!.test(v);
    }
  }

  /** True when the matcher matches the empty string, i.e. also selects series without the label. */
  matchesEmpty(): boolean {
    return this.matches('');
  }

  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }
}

export function matchLabels(matchers: readonly Matcher[], get: (name: string) => string): boolean {
  for (const m of matchers) if (!m.matches(get(m.name))) return false;
  return true;
}
