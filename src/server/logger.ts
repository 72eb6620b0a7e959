import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stderr (stdout stays free for command output). */
export function createLogger(level: string = 'info', destination: number = 2): Logger {
  return pino({ level, base: { app: 'sightline' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: destination, sync: false }));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
