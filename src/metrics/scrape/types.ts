import type { Labels } from '../../model/index.js';

/** What `/api/v1/targets` shows about one target (Prometheus's `ActiveTarget` / `DroppedTarget`). */
export interface TargetStatus {
  discoveredLabels: Labels;
  /** Labels after relabeling; empty for dropped targets. */
  labels: Labels;
  scrapePool: string;
  scrapeUrl: string;
  globalUrl: string;
  lastError: string;
  /** ms since epoch; 0 when never scraped. */
  lastScrape: number;
  lastScrapeDurationSeconds: number;
  health: 'up' | 'down' | 'unknown';
  scrapeIntervalMs: number;
  scrapeTimeoutMs: number;
}

export interface TargetsSource {
  activeTargets(): TargetStatus[];
  droppedTargets(): TargetStatus[];
  /** Scrape pool (job) names. */
  scrapePools(): string[];
}
