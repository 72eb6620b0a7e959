export type { TargetStatus, TargetsSource } from './types.js';
export { ScrapeManager, type ScrapeManagerOptions, type SelfScrapeOptions } from './manager.js';
export { ScrapePool } from './scrape-pool.js';
export { ScrapeLoop, ScrapeFailure, type ScrapeResult } from './scrape-loop.js';
export { Target, TargetLabelsError, populateLabels } from './target.js';
export { HttpScraper, ScrapeHttpError, USER_AGENT, authorizationHeader } from './http-scraper.js';
export { ScrapeMetrics } from './metrics.js';
