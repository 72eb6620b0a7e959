import { ConfigError } from '../config/index.js';
import { buildPrometheusConfig, type PrometheusConfig, type ScrapeConfig } from './promconfig/index.js';

/**
 * A static scrape job kept outside prometheus.yml — the web UI stores these in its database (the single-process
 * default's "add a scrape target" without a restart). The fields are prometheus.yml's, for one `static_configs`
 * entry; durations as prometheus.yml writes them (`15s`).
 */
export interface StaticScrapeJob {
  job_name: string;
  targets: string[];
  labels?: Record<string, string>;
  scrape_interval?: string;
  scrape_timeout?: string;
  metrics_path?: string;
  scheme?: 'http' | 'https';
}

/** Where the scrape jobs of another source (the UI) are handed to the Prometheus role of this process. */
export interface ScrapeJobSink {
  /** Validate against the running prometheus.yml and apply at once; throws `ConfigError` (nothing applied) if invalid. */
  set(jobs: readonly StaticScrapeJob[]): void;
  /** Job names that prometheus.yml (read-only here) defines. */
  fileJobNames(): string[];
}

/**
 * Merges the extra jobs into prometheus.yml's: each is validated and given the file's global defaults (interval,
 * timeout, protocols) as if it were written there. A job named as one of the file's is refused when set; if a
 * reloaded file later takes the name, the file's job wins and the extra one is left out (reported).
 */
export class ExtraScrapeJobs {
  private jobs: readonly StaticScrapeJob[] = [];

  get count(): number {
    return this.jobs.length;
  }

  /** The scrape configs of `jobs` under `base`'s globals; throws `ConfigError` naming the bad field. */
  static build(base: PrometheusConfig, jobs: readonly StaticScrapeJob[]): ScrapeConfig[] {
    const fileJobs = new Set(base.scrape_configs.map((s) => s.job_name));
    const seen = new Set<string>();
    for (const j of jobs) {
      if (fileJobs.has(j.job_name)) throw new ConfigError('<ui scrape jobs>', 'job_name', `job ${JSON.stringify(j.job_name)} is defined in prometheus.yml (read-only here); choose another name`);
      if (seen.has(j.job_name)) throw new ConfigError('<ui scrape jobs>', 'job_name', `found multiple scrape configs with job name ${JSON.stringify(j.job_name)}`);
      seen.add(j.job_name);
    }
    const g = base.global;
    const built = buildPrometheusConfig(
      {
        global: { scrape_interval: `${g.scrape_interval}ms`, scrape_timeout: `${g.scrape_timeout}ms`, scrape_protocols: g.scrape_protocols },
        scrape_configs: jobs.map((j) => ({
          job_name: j.job_name,
          ...(j.scrape_interval ? { scrape_interval: j.scrape_interval } : {}),
          ...(j.scrape_timeout ? { scrape_timeout: j.scrape_timeout } : {}),
          ...(j.metrics_path ? { metrics_path: j.metrics_path } : {}),
          ...(j.scheme ? { scheme: j.scheme } : {}),
          static_configs: [{ targets: j.targets, labels: j.labels ?? {} }],
        })),
      },
      '<ui scrape jobs>',
    );
    return built.scrape_configs;
  }

  /** Replace the extra jobs after checking them against `base` (throws, keeping the old ones, when invalid). */
  set(base: PrometheusConfig, jobs: readonly StaticScrapeJob[]): void {
    ExtraScrapeJobs.build(base, jobs);
    this.jobs = [...jobs];
  }

  /** `base` with the extra jobs appended; `skipped` names those a file job now shadows. */
  merge(base: PrometheusConfig): { config: PrometheusConfig; skipped: string[] } {
    const fileJobs = new Set(base.scrape_configs.map((s) => s.job_name));
    const kept = this.jobs.filter((j) => !fileJobs.has(j.job_name));
    const skipped = this.jobs.filter((j) => fileJobs.has(j.job_name)).map((j) => j.job_name);
    return { config: { ...base, scrape_configs: [...base.scrape_configs, ...ExtraScrapeJobs.build(base, kept)] }, skipped };
  }
}
