import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/process.js';
import { ProgressFile, loadProgress } from './read-position-file.js';

describe('ProgressFile', () => {
  it('keeps the latest state, and the previous one when the latest write is torn', () => {
    const path = join(tempDir(), 'rw', 'q.json');
    expect(loadProgress(path)).toBeUndefined();
    const f = new ProgressFile(path);
    f.save({ position: { segment: 1, offset: 10 } }, true);
    f.save({ position: { segment: 1, offset: 20 }, round: { end: { segment: 2, offset: 5 }, shards: 2, acked: [3, 0] } }, false);
    f.close();
    expect(loadProgress(path)).toEqual({ position: { segment: 1, offset: 20 }, round: { end: { segment: 2, offset: 5 }, shards: 2, acked: [3, 0] } });
    // Tear the newest slot (seq 2 lives in slot 0): the previous state is what a restart sees.
    const raw = readFileSync(path);
    raw[20] ^= 0xff;
    writeFileSync(path, raw);
    expect(loadProgress(path)).toEqual({ position: { segment: 1, offset: 10 } });
    // Saving continues after the surviving sequence number.
    const g = new ProgressFile(path);
    g.load();
    g.save({ position: { segment: 3, offset: 0 } }, true);
    g.close();
    expect(loadProgress(path)).toEqual({ position: { segment: 3, offset: 0 } });
  });
});
