export * from './codec/index.js';
export * from './receiver/index.js';
export * from './sender/index.js';
