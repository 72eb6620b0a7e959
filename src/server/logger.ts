import { pino, type Logger } from 'pino';
import { isoTime } from '../lib/iso-time.js';

export type { Logger };

/** pino's `stdTimeFunctions.isoTime` without `Date.prototype.toISOString` (its ICU pages: src/lib/iso-time.ts). */
const isoTimestamp = () => `,"time":"${isoTime(Date.now())}"`;

/** Structured JSON logs on stderr (stdout stays free for command output). */
export function createLogger(level: string = 'info', destination: number = 2): Logger {
  return pino({ level, base: { app: 'sightline' }, timestamp: isoTimestamp }, pino.destination({ dest: destination, sync: false }));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
