import { appendFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/process.js';
import { WriteAheadLog, listSegments, segmentName } from './write-ahead-log.js';

const rec = (s: string) => Buffer.from(s);

function replayAll(dir: string) {
  const got: string[] = [];
  const { wal, stats } = WriteAheadLog.open({ dir }, (p) => got.push(p.toString()));
  return { wal, stats, got };
}

describe('WriteAheadLog', () => {
  it('replays flushed records in order across reopen and segment cuts', () => {
    const dir = tempDir();
    const { wal } = replayAll(dir);
    wal.append(rec('a'));
    wal.append(rec('b'));
    wal.flush();
    wal.cut();
    wal.append(rec('c'));
    wal.close();
    const r = replayAll(dir);
    expect(r.got).toEqual(['a', 'b', 'c']);
    expect(r.stats.records).toBe(3);
    r.wal.close();
  });

  it('writes records given in parts without copying large parts, reading back as whole records in order', () => {
    const dir = tempDir();
    const { wal } = replayAll(dir);
    const big = Buffer.alloc(10_000, 'x');
    wal.append(rec('first'));
    wal.appendParts([rec('head:'), big, rec(':tail')]);
    wal.append(rec('between'));
    wal.appendParts([big, big]);
    wal.appendParts([rec('small'), rec('parts')]);
    wal.flush();
    wal.close();
    const r = replayAll(dir);
    expect(r.got).toEqual(['first', `head:${big}:tail`, 'between', `${big}${big}`, 'smallparts']);
    r.wal.close();
  });

  it('with background sync, rolls and closes segments once their fsyncs end, leaking no file and losing no record', async () => {
    const dir = tempDir();
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    const { wal } = WriteAheadLog.open({ dir, fsyncIntervalMs: 1, segmentSize: 64, backgroundSync: true });
    const want: string[] = [];
    for (let i = 0; i < 20; i++) {
      want.push(`record-${i}-${'x'.repeat(40)}`);
      wal.append(rec(want[i]));
      wal.flush();
      if (i % 5 === 4) await new Promise((res) => setTimeout(res, 2));
    }
    expect(listSegments(dir).length).toBeGreaterThan(10);
    wal.close();
    await new Promise((res) => setTimeout(res, 100));
    expect(fds()).toBe(before);
    const r = replayAll(dir);
    expect(r.got).toEqual(want);
    r.wal.close();
  });

  it('does not persist records that were never flushed', () => {
    const dir = tempDir();
    const { wal } = replayAll(dir);
    wal.append(rec('kept'));
    wal.flush();
    wal.append(rec('lost'));
    // simulate a crash: no flush, no close
    const r = replayAll(dir);
    expect(r.got).toEqual(['kept']);
    r.wal.close();
  });

  it('cuts a torn tail and a corrupt record, dropping later segments', () => {
    const dir = tempDir();
    const { wal } = replayAll(dir);
    wal.append(rec('one'));
    wal.append(rec('two'));
    wal.flush();
    const seg = wal.currentSegment;
    wal.close();
    const path = join(dir, segmentName(seg));
    appendFileSync(path, Buffer.from([5, 0, 0, 0, 1, 2])); // torn frame header
    let r = replayAll(dir);
    expect(r.got).toEqual(['one', 'two']);
    expect(r.stats.repaired?.reason).toContain('incomplete');
    r.wal.close();
    // Flip a payload byte of the second record: replay stops before it.
    const buf = readFileSync(path);
    buf[buf.length - 1] ^= 0xff;
    writeFileSync(path, buf);
    r = replayAll(dir);
    expect(r.got).toEqual(['one']);
    expect(r.stats.repaired?.reason).toBe('checksum mismatch');
    expect(listSegments(dir).filter((s) => s > seg)).toEqual([r.wal.currentSegment]);
    r.wal.close();
  });

  it('ends the log at a zero-filled tail (as left by fsck) and at a record its reader cannot decode', () => {
    const dir = tempDir();
    const { wal } = replayAll(dir);
    wal.append(rec('one'));
    wal.append(rec('two'));
    wal.flush();
    const seg = wal.currentSegment;
    wal.close();
    const path = join(dir, segmentName(seg));
    appendFileSync(path, Buffer.alloc(438));
    const r = replayAll(dir);
    expect(r.got).toEqual(['one', 'two']);
    expect(r.stats.repaired?.reason).toBe('zero-filled tail');
    expect(readFileSync(path).length).toBe(2 * (8 + 3));
    r.wal.close();
    const got: string[] = [];
    const { wal: w2, stats } = WriteAheadLog.open({ dir }, (p) => {
      if (p.toString() === 'two') throw new Error('unknown record version');
      got.push(p.toString());
    });
    expect(got).toEqual(['one']);
    expect(stats.repaired?.reason).toBe('record does not decode: unknown record version');
    w2.close();
    expect(() => WriteAheadLog.open({ dir }).wal.append(Buffer.alloc(0))).toThrow('empty WAL record');
  });

  it('rotates segments by size and truncates old ones', () => {
    const dir = tempDir();
    const { wal } = WriteAheadLog.open({ dir, segmentSize: 100 });
    for (let i = 0; i < 20; i++) {
      wal.append(Buffer.alloc(30, i));
      wal.flush();
    }
    expect(listSegments(dir).length).toBeGreaterThan(5);
    wal.truncateBefore(wal.currentSegment);
    expect(listSegments(dir)).toEqual([wal.currentSegment]);
    wal.close();
  });
});
