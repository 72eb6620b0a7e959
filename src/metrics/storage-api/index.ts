export * from './interface.js';
export { MemoryStorage } from './memory-storage.js';
