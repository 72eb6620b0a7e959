import { ConfigError } from '../config/index.js';
import { loadPrometheusConfig } from '../metrics/promconfig/index.js';
import { RuleManager, checkRules, validatePromql } from '../rules/index.js';

const out = { stdout: (s: string) => process.stdout.write(s), stderr: (s: string) => process.stderr.write(s) };

/**
 * `sightline check rules FILE...` and `sightline check config FILE...`, with `promtool check`'s output and exit
 * codes (0 fine, 1 errors, 3 fatal lint), for CI.
 */
export function runCheck(argv: string[]): number {
  const [what, ...rest] = argv;
  const lintFatal = rest.includes('--lint-fatal');
  const files = rest.filter((a) => !a.startsWith('--'));
  if (what === 'rules') {
    if (files.length === 0) {
      out.stderr('sightline: error: required argument \'rule-files\' not provided, try --help\n');
      return 1;
    }
    return checkRules(files, validatePromql, out, { lintFatal });
  }
  if (what === 'config') {
    let failed = false;
    for (const f of files) {
      out.stdout(`Checking ${f}\n`);
      let cfg;
      try {
        cfg = loadPrometheusConfig(f);
      } catch (e) {
        out.stderr(`  FAILED: ${e instanceof ConfigError ? e.message : (e as Error).message}\n`);
        out.stdout('\n');
        failed = true;
        continue;
      }
      const { files: ruleFiles } = RuleManager.expandFiles(cfg.rule_files);
      out.stdout(`  SUCCESS: ${ruleFiles.length} rule files found\n SUCCESS: ${f} is valid prometheus config file syntax\n\n`);
      for (const rf of ruleFiles) {
        const indent = { stdout: out.stdout, stderr: (s: string) => out.stderr(s === '  FAILED:\n' ? s : `     ${s}`) };
        if (checkRules([rf], validatePromql, indent, { lintFatal }) === 1) failed = true;
      }
    }
    return failed ? 1 : 0;
  }
  out.stderr(`sightline: error: expected command "check rules" or "check config", got ${JSON.stringify(what ?? '')}\n`);
  return 2;
}
