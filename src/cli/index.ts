export { TARGETS, parseCliArgs, type CliOptions, type Target } from './args.js';
export { loadSightlineConfig } from './load-config.js';
export { startSightline, type RunningSightline, type StartOptions } from './sightline.js';
