import { createRequire } from 'node:module';
import type * as AwsS3 from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { ObjectNotFoundError, type ObjectReader, type ObjectStore } from './object-store.js';

/** Configuration of an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, R2), named as Mimir's `s3` block names it. */
export interface S3ObjectStoreConfig {
  /** `host:port` or a full URL; empty for AWS's default endpoint of the region. */
  endpoint?: string;
  bucket: string;
  region?: string;
  access_key_id?: string;
  secret_access_key?: string;
  /** Plain HTTP to the endpoint (MinIO in a lab). */
  insecure?: boolean;
  /** Path-style addressing (`endpoint/bucket/key`), needed by MinIO and most self-hosted stores. Default: on when an endpoint is set. */
  force_path_style?: boolean;
  /** A key prefix inside the bucket, e.g. `metrics/`. */
  prefix?: string;
  /** Keys per ListObjectsV2 page (S3's default and maximum is 1000). */
  list_page_size?: number;
  /** `v2` (default, continuation tokens) or `v1` (markers) for stores without ListObjectsV2 — as Thanos's option. */
  list_objects_version?: 'v1' | 'v2';
}

function endpointUrl(cfg: S3ObjectStoreConfig): string | undefined {
  if (!cfg.endpoint) return undefined;
  if (/^https?:\/\//.test(cfg.endpoint)) return cfg.endpoint;
  return `${cfg.insecure ? 'http' : 'https'}://${cfg.endpoint}`;
}

let loadedSdk: typeof AwsS3 | undefined;

/**
 * The AWS SDK, loaded when the first S3 store is opened: it adds ~20 MB of resident memory (measured: a bare import
 * of `@aws-sdk/client-s3` takes a Node process from 45 to 66 MB RSS) that a local-disk setup never uses.
 */
function awsSdk(): typeof AwsS3 {
  loadedSdk ??= createRequire(import.meta.url)('@aws-sdk/client-s3') as typeof AwsS3;
  return loadedSdk;
}

function isNotFound(e: unknown): boolean {
  if (loadedSdk && e instanceof loadedSdk.S3ServiceException) return e.$metadata.httpStatusCode === 404 || e.name === 'NoSuchKey' || e.name === 'NotFound';
  return false;
}

/** The `ObjectStore` over an S3-compatible bucket through the AWS SDK v3. */
export class S3ObjectStore implements ObjectStore {
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly pageSize: number | undefined;
  private readonly listV1: boolean;

  constructor(cfg: S3ObjectStoreConfig) {
    if (!cfg.bucket) throw new Error('s3: bucket is required');
    const endpoint = endpointUrl(cfg);
    this.client = new (awsSdk().S3Client)({
      endpoint,
      region: cfg.region || 'us-east-1',
      forcePathStyle: cfg.force_path_style ?? endpoint !== undefined,
      credentials:
        cfg.access_key_id && cfg.secret_access_key ? { accessKeyId: cfg.access_key_id, secretAccessKey: cfg.secret_access_key } : undefined,
      // Ask for checksums only where the operation requires them: MinIO and older S3-compatible stores reject the newer defaults.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.bucket = cfg.bucket;
    this.prefix = cfg.prefix ? cfg.prefix.replace(/\/?$/, '/') : '';
    this.pageSize = cfg.list_page_size;
    this.listV1 = cfg.list_objects_version === 'v1';
  }

  private key(key: string): string {
    if (key.startsWith('/') || key.split('/').includes('..')) throw new Error(`invalid object key: ${key}`);
    return this.prefix + key;
  }

  async get(key: string): Promise<Buffer> {
    try {
      const out = await this.client.send(new (awsSdk().GetObjectCommand)({ Bucket: this.bucket, Key: this.key(key) }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (e) {
      if (isNotFound(e)) throw new ObjectNotFoundError(key);
      throw e;
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    if (length <= 0) return Buffer.alloc(0);
    try {
      const out = await this.client.send(
        new (awsSdk().GetObjectCommand)({ Bucket: this.bucket, Key: this.key(key), Range: `bytes=${offset}-${offset + length - 1}` }),
      );
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (e) {
      if (isNotFound(e)) throw new ObjectNotFoundError(key);
      // A range starting past the end: S3 answers 416; the filesystem store returns an empty buffer.
      if (e instanceof awsSdk().S3ServiceException && e.$metadata.httpStatusCode === 416) return Buffer.alloc(0);
      throw e;
    }
  }

  /** Nothing to keep open: each read is a ranged GET (a missing object fails there, not here). */
  openReader(key: string): Promise<ObjectReader> {
    return Promise.resolve({ read: (offset, length) => this.getRange(key, offset, length), close: () => Promise.resolve() });
  }

  async put(key: string, data: Buffer | Uint8Array): Promise<void> {
    await this.client.send(new (awsSdk().PutObjectCommand)({ Bucket: this.bucket, Key: this.key(key), Body: data, ContentLength: data.length }));
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const full = this.prefix + prefix;
    const add = (contents: { Key?: string }[] | undefined) => {
      for (const o of contents ?? []) if (o.Key !== undefined) out.push(o.Key.slice(this.prefix.length));
    };
    if (this.listV1) {
      let marker: string | undefined;
      do {
        const page = await this.client.send(new (awsSdk().ListObjectsCommand)({ Bucket: this.bucket, Prefix: full, Marker: marker, MaxKeys: this.pageSize }));
        add(page.Contents);
        marker = page.IsTruncated ? (page.NextMarker ?? page.Contents?.at(-1)?.Key) : undefined;
      } while (marker);
    } else {
      let token: string | undefined;
      do {
        const page = await this.client.send(
          new (awsSdk().ListObjectsV2Command)({ Bucket: this.bucket, Prefix: full, ContinuationToken: token, MaxKeys: this.pageSize }),
        );
        add(page.Contents);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new (awsSdk().DeleteObjectCommand)({ Bucket: this.bucket, Key: this.key(key) }));
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new (awsSdk().HeadObjectCommand)({ Bucket: this.bucket, Key: this.key(key) }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async size(key: string): Promise<number> {
    try {
      const out = await this.client.send(new (awsSdk().HeadObjectCommand)({ Bucket: this.bucket, Key: this.key(key) }));
      return out.ContentLength ?? 0;
    } catch (e) {
      if (isNotFound(e)) throw new ObjectNotFoundError(key);
      throw e;
    }
  }

  close(): void {
    this.client.destroy();
  }
}
