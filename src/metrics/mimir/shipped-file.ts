import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The blocks of a tenant's TSDB already shipped to the bucket (`<tsdb>/shipper.json`, as Thanos's shipper keeps
 * `thanos.shipper.json`), so that a block merged or deleted in the bucket is not uploaded again by a re-sync.
 */
export class ShippedFile {
  private readonly path: string;
  private readonly shipped: Set<string>;

  constructor(tsdbDir: string) {
    this.path = join(tsdbDir, 'shipper.json');
    let ids: string[] = [];
    if (existsSync(this.path)) {
      try {
        ids = (JSON.parse(readFileSync(this.path, 'utf8')) as { uploaded?: string[] }).uploaded ?? [];
      } catch {
        ids = [];
      }
    }
    this.shipped = new Set(ids);
  }

  has(ulid: string): boolean {
    return this.shipped.has(ulid);
  }

  /** Record an uploaded block, keeping only ids of blocks still present locally (`present`). */
  add(ulid: string, present: Iterable<string>): void {
    this.shipped.add(ulid);
    const keep = new Set(present);
    keep.add(ulid);
    for (const id of this.shipped) if (!keep.has(id)) this.shipped.delete(id);
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, uploaded: [...this.shipped].sort() }));
    renameSync(tmp, this.path);
  }
}
