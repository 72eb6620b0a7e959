import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/**
 * The source files a module loads when it is imported: its static imports and re-exports, transitively. `import
 * type` / `export type` are erased by the compiler (verbatimModuleSyntax keeps every other import, even one whose
 * names are all `type`); `import()` is lazy and not followed.
 */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [resolve(root, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const st of src.statements) {
      let spec: ts.Expression | undefined;
      if (ts.isImportDeclaration(st) && !st.importClause?.isTypeOnly) spec = st.moduleSpecifier;
      else if (ts.isExportDeclaration(st) && !st.isTypeOnly) spec = st.moduleSpecifier;
      if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
      const target = resolve(dirname(file), spec.text.replace(/\.js$/, '.ts'));
      if (existsSync(target)) pending.push(target);
    }
  }
  return seen;
}

/** The areas (`src/<area>`) among a closure's files. */
function areas(files: Set<string>): string[] {
  const out = new Set<string>();
  for (const f of files) {
    const rel = relative(resolve(root, 'src'), f).split('/');
    if (rel.length > 1) out.add(rel[0]);
  }
  return [...out].sort();
}

describe('what a single-role target loads', () => {
  it('the metrics roles (Prometheus, Mimir) do not load the Loki, Tempo, UI or agent code', () => {
    for (const entry of ['src/metrics/index.ts', 'src/metrics/mimir/index.ts']) {
      const loaded = areas(staticClosure(entry));
      expect(loaded, entry).toContain('metrics');
      expect(loaded, entry).toContain('rules');
      for (const other of ['logs', 'traces', 'ui', 'agent', 'collector']) expect(loaded, entry).not.toContain(other);
    }
  });

  it("the Loki ruler's surface does load the Loki role (the closure walk follows re-exports)", () => {
    expect(areas(staticClosure('src/rules/loki/index.ts'))).toContain('logs');
  });
});
