/**
 * Ad hoc filters (`type: adhoc` variables): label matchers added to every selector of the dashboard's queries on the
 * variable's datasource, as Grafana does — every PromQL vector selector (`foo` → `foo{k="v"}`, `foo{a="b"}` →
 * `foo{a="b",k="v"}`) and every LogQL stream selector, found with the languages' parsers (Prometheus' and
 * Grafana's Lezer grammars), never by string matching. A matcher the selector already has is not added twice; a
 * query that does not parse is left as written (its datasource reports the error). Pure.
 */
import { parser as logqlParser, Matcher as LogqlMatcherNode, Matchers as LogqlMatchersNode, Selector as LogqlSelectorNode } from '@grafana/lezer-logql';
import { parser as promqlParser, Identifier, LabelMatchers, LabelName, MatchOp, QuotedLabelMatcher, StringLiteral, UnquotedLabelMatcher, VectorSelector } from '@prometheus-io/lezer-promql';
import type { SyntaxNode, Tree } from '@lezer/common';
import type { AdhocFilter } from './model.js';

import { ADHOC_LABEL_NAME as LABEL_NAME, ADHOC_OPERATORS as OPERATORS } from './adhoc-url.js';

/** The filters that can be written as matchers (a label name, one of the four operators). */
export const validFilters = (filters: AdhocFilter[]): AdhocFilter[] => filters.filter((f) => LABEL_NAME.test(f.key) && OPERATORS.has(f.operator));

/** A double-quoted string literal, as both languages read it. */
const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
/** The value of a double-quoted, single-quoted or backtick literal as written in the query. */
function unquote(lit: string): string {
  if (lit.startsWith('`')) return lit.slice(1, -1);
  try {
    return lit.startsWith('"') ? (JSON.parse(lit) as string) : (JSON.parse(`"${lit.slice(1, -1).replace(/"/g, '\\"')}"`) as string);
  } catch {
    return lit.slice(1, -1);
  }
}
const matcherText = (f: AdhocFilter) => `${f.key}${f.operator}${quote(f.value)}`;
const sameMatcher = (a: AdhocFilter, b: AdhocFilter) => a.key === b.key && a.operator === b.operator && a.value === b.value;

function hasErrors(tree: Tree): boolean {
  let bad = false;
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) bad = true;
      return !bad;
    },
  });
  return bad;
}

/** Every node of a type under `node`. */
function nodesOf(node: SyntaxNode, typeId: number): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const c = node.cursor();
  do if (c.type.id === typeId) out.push(c.node);
  while (c.next() && c.from <= node.to);
  return out.filter((n) => n.from >= node.from && n.to <= node.to);
}

/** Insert the texts at their positions (right to left, so earlier positions stay valid). */
function splice(text: string, inserts: { at: number; text: string }[]): string {
  let out = text;
  for (const i of [...inserts].sort((a, b) => b.at - a.at)) out = out.slice(0, i.at) + i.text + out.slice(i.at);
  return out;
}

/** The matchers a selector's `{...}` holds (PromQL: quoted/unquoted matchers; LogQL: Matcher nodes). */
function existingMatchers(expr: string, nodes: SyntaxNode[], name: (n: SyntaxNode) => SyntaxNode | null, op: (n: SyntaxNode) => SyntaxNode | null, value: (n: SyntaxNode) => SyntaxNode | null): AdhocFilter[] {
  return nodes.flatMap((m) => {
    const k = name(m);
    const o = op(m);
    const v = value(m);
    return k && o && v ? [{ key: expr.slice(k.from, k.to), operator: expr.slice(o.from, o.to), value: unquote(expr.slice(v.from, v.to)) }] : [];
  });
}

/** A selector found in the tree: the matchers it has, and where and how the missing ones are written. */
interface SelectorSite {
  have: AdhocFilter[];
  insert: (text: string[]) => { at: number; text: string } | undefined;
}

/**
 * The query with the filters that each selector lacks added there; `sites` finds the selectors in the parsed tree.
 * Nothing to add, an empty query or one that does not parse: the query as written.
 */
function inject(expr: string, filters: AdhocFilter[], parse: (s: string) => Tree, sites: (top: SyntaxNode) => SelectorSite[]): string {
  const add = validFilters(filters);
  if (add.length === 0 || expr.trim() === '') return expr;
  const tree = parse(expr);
  if (hasErrors(tree)) return expr;
  const inserts = sites(tree.topNode).flatMap((site) => {
    const missing = add.filter((f) => !site.have.some((h) => sameMatcher(h, f)));
    const i = missing.length > 0 ? site.insert(missing.map(matcherText)) : undefined;
    return i ? [i] : [];
  });
  return splice(expr, inserts);
}

/** The PromQL expression with the filters added to every vector selector. */
export function addPromqlFilters(expr: string, filters: AdhocFilter[]): string {
  return inject(expr, filters, (s) => promqlParser.parse(s), (top) =>
    nodesOf(top, VectorSelector).map((sel) => {
      const braces = sel.getChild(LabelMatchers);
      const matcherNodes = braces ? [...nodesOf(braces, UnquotedLabelMatcher), ...nodesOf(braces, QuotedLabelMatcher)] : [];
      return {
        have: existingMatchers(expr, matcherNodes, (m) => m.getChild(LabelName) ?? m.getChild(StringLiteral), (m) => m.getChild(MatchOp), (m) => m.getChild(StringLiteral, MatchOp)),
        insert: (texts) => {
          const text = texts.join(',');
          if (!braces) {
            const name = sel.getChild(Identifier);
            return name ? { at: name.to, text: `{${text}}` } : undefined;
          }
          // before the closing brace; after a comma when there are matchers already (a trailing comma is allowed)
          const inner = expr.slice(braces.from + 1, braces.to - 1).trim();
          return { at: braces.to - 1, text: inner === '' || inner.endsWith(',') ? text : `,${text}` };
        },
      };
    }),
  );
}

/** The LogQL query with the filters added to every stream selector. */
export function addLogqlFilters(expr: string, filters: AdhocFilter[]): string {
  return inject(expr, filters, (s) => logqlParser.parse(s), (top) =>
    nodesOf(top, LogqlSelectorNode).map((sel) => {
      const matchers = sel.getChild(LogqlMatchersNode);
      const nodes = matchers ? nodesOf(matchers, LogqlMatcherNode) : [];
      return {
        // a Matcher is Identifier, operator, String
        have: existingMatchers(expr, nodes, (m) => m.firstChild, (m) => m.firstChild?.nextSibling ?? null, (m) => m.lastChild),
        insert: (texts) => ({ at: sel.to - 1, text: `${nodes.length > 0 ? ', ' : ''}${texts.join(', ')}` }),
      };
    }),
  );
}

/** The query with the filters of the ad hoc variables on this datasource (by uid) added, by its language. */
export function applyAdhocFilters(expr: string, ds: { type: string; uid: string }, adhoc: readonly { datasourceUid: string; filters: AdhocFilter[] }[] | undefined): string {
  const filters = (adhoc ?? []).filter((a) => a.datasourceUid === ds.uid).flatMap((a) => a.filters);
  if (filters.length === 0) return expr;
  if (ds.type === 'prometheus') return addPromqlFilters(expr, filters);
  if (ds.type === 'loki') return addLogqlFilters(expr, filters);
  return expr;
}
