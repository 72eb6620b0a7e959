/** Promtail skips compressed (rotated) files unless `decompression` is configured. */
export function isCompressedFile(path: string): boolean {
  return /\.(gz|bz2|zip|z|xz|zst|tgz)$/i.test(path);
}
