import { existsSync } from 'node:fs';
import { duplicateRecordingRules, parseRuleFile, type ExprValidator } from './rule-file.js';

export interface CheckOutput {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/**
 * `promtool check rules FILE...` (Prometheus 2.42's output and exit codes): `Checking FILE`, then `SUCCESS: N rules
 * found` or `FAILED:` with each error; duplicate recording rules are a lint error (reported, exit 0 unless
 * `lintFatal`). Exit 1 on errors, 3 on fatal lint, 0 otherwise; a missing file is a usage error before any check.
 */
export function checkRules(files: string[], validateExpr: ExprValidator, out: CheckOutput, opts: { lintFatal?: boolean; program?: string } = {}): number {
  for (const f of files) {
    if (!existsSync(f)) {
      out.stderr(`${opts.program ?? 'sightline'}: error: path '${f}' does not exist, try --help\n`);
      return 1;
    }
  }
  let failed = false;
  let hasErrors = false;
  for (const f of files) {
    out.stdout(`Checking ${f}\n`);
    const res = parseRuleFile(f, { validateExpr });
    let errors = res.errors;
    let lintOnly = false;
    if (errors.length === 0) {
      const dups = duplicateRecordingRules(res.groups);
      if (dups.length > 0) {
        let msg = `lint error ${dups.length} duplicate rule(s) found.\n`;
        for (const d of dups) {
          msg += `Metric: ${d.metric}\nLabel(s):\n`;
          for (const [n, v] of d.labels) msg += `\t${n}: ${v}\n`;
        }
        msg += 'Might cause inconsistency while recording expressions';
        errors = [msg];
        lintOnly = true;
      }
    }
    if (errors.length > 0) {
      out.stderr('  FAILED:\n');
      for (const e of errors) out.stderr(`${e}\n`);
      failed = true;
      if (!lintOnly) hasErrors = true;
    } else {
      out.stdout(`  SUCCESS: ${res.groups.reduce((n, g) => n + g.rules.length, 0)} rules found\n`);
    }
    out.stdout('\n');
  }
  if (failed && hasErrors) return 1;
  if (failed && opts.lintFatal) return 3;
  return 0;
}
