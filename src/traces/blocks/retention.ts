import type { BlockList } from './block-list.js';

/**
 * Retention (Tempo's compactor `block_retention`, per tenant through the overrides): deletes the blocks whose
 * newest span ended before `now - retentionFor(tenant)`. Runs as block-list maintenance. Returns the number of
 * blocks deleted.
 */
export function applyRetention(blocks: BlockList, now: number, retentionFor: (tenant: string) => number): Promise<number> {
  return blocks.maintenance(async () => {
    let deleted = 0;
    for (const tenant of blocks.tenants()) {
      const cutoff = now - retentionFor(tenant);
      const expired = blocks.forTenant(tenant).filter((b) => b.meta.maxEndMs < cutoff);
      if (expired.length === 0) continue;
      await blocks.drop(tenant, expired);
      deleted += expired.length;
    }
    return deleted;
  });
}
