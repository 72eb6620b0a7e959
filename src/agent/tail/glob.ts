import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

/**
 * Path globs as Promtail reads `__path__` and `__path_exclude__` (bmatcuk/doublestar): `*` and `?` within one path
 * element, `[...]` classes (`[!...]`/`[^...]` negated), `{a,b}` alternatives, and `**` for zero or more directories.
 */

function segmentSource(seg: string): string {
  let src = '';
  let depth = 0;
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '\\' && i + 1 < seg.length) src += escapeRe(seg[++i]);
    else if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) {
        src += '\\[';
        continue;
      }
      let cls = seg.slice(i + 1, end);
      const neg = cls.startsWith('!') || cls.startsWith('^');
      if (neg) cls = cls.slice(1);
      src += `[${neg ? '^' : ''}${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '{') {
      depth++;
      src += '(?:';
    } else if (c === '}' && depth > 0) {
      depth--;
      src += ')';
    } else if (c === ',' && depth > 0) src += '|';
    else src += escapeRe(c);
  }
  return src;
}

function escapeRe(c: string): string {
  return c.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
}

export function hasMeta(s: string): boolean {
  return /[*?[{\\]/.test(s);
}

/** One compiled glob: `match(path)` over a whole path, `expand()` lists the existing files that match (sorted). */
export class PathGlob {
  private readonly whole: RegExp;
  private readonly parts: Array<string | RegExp | '**'>;
  private readonly root: string;

  constructor(readonly pattern: string) {
    const abs = pattern.startsWith('/');
    const segs = pattern.split('/').filter((s, i) => s !== '' || i === 0);
    if (abs) segs.shift();
    this.root = abs ? '/' : '.';
    this.parts = segs.map((s) => (s === '**' ? '**' : hasMeta(s) ? new RegExp(`^${segmentSource(s)}$`) : s));
    let src = '';
    segs.forEach((s, i) => {
      const sep = i === 0 ? (abs ? '/' : '') : '/';
      if (s === '**') src += i === segs.length - 1 ? `${sep}.*` : `(?:${sep}[^/]+)*`;
      else src += sep + segmentSource(s);
    });
    // A leading `**` on a relative pattern may match nothing: "(?:[^/]+)*/x" must also match "x".
    this.whole = new RegExp(`^${src.replace(/^\(\?:\[\^\/\]\+\)\*\//, '(?:[^/]+/)*')}$`);
  }

  match(path: string): boolean {
    return this.whole.test(path);
  }

  /** The regular files (or symlinks to them) that match, sorted; unreadable directories are skipped. */
  expand(): string[] {
    const out = new Set<string>();
    this.walk(this.root, 0, out);
    return [...out].sort();
  }

  private walk(dir: string, i: number, out: Set<string>): void {
    const p = this.parts[i];
    const last = i === this.parts.length - 1;
    if (p === '**') {
      // zero directories
      if (last) {
        this.all(dir, out);
        return;
      }
      this.walk(dir, i + 1, out);
      for (const d of list(dir)) if (isDir(d, dir)) this.walk(join(dir, d.name), i, out);
      return;
    }
    if (typeof p === 'string') {
      const next = dir === '.' ? p : join(dir, p);
      if (last) {
        if (isFile(next)) out.add(next);
      } else this.walk(next, i + 1, out);
      return;
    }
    for (const d of list(dir)) {
      if (!p.test(d.name)) continue;
      const next = dir === '.' ? d.name : join(dir, d.name);
      if (last) {
        if (d.isFile() || (d.isSymbolicLink() && isFile(next))) out.add(next);
      } else if (isDir(d, dir)) this.walk(next, i + 1, out);
    }
  }

  private all(dir: string, out: Set<string>): void {
    for (const d of list(dir)) {
      const next = dir === '.' ? d.name : join(dir, d.name);
      if (isDir(d, dir)) this.all(next, out);
      else if (d.isFile() || (d.isSymbolicLink() && isFile(next))) out.add(next);
    }
  }
}

function list(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function isDir(d: Dirent, parent: string): boolean {
  if (d.isDirectory()) return true;
  if (!d.isSymbolicLink()) return false;
  try {
    return statSync(join(parent, d.name)).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
