import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Link-local and cloud metadata ranges a datasource never reaches unless allow-listed (`ui.datasource_proxy.allowed_hosts`). */
const FORBIDDEN = new BlockList();
FORBIDDEN.addSubnet('169.254.0.0', 16, 'ipv4');
FORBIDDEN.addSubnet('fe80::', 10, 'ipv6');
FORBIDDEN.addSubnet('fd00:ec2::', 32, 'ipv6');

export class DatasourceUrlError extends Error {
  override name = 'DatasourceUrlError';
}

function family(ip: string): 'ipv4' | 'ipv6' {
  return isIP(ip) === 6 ? 'ipv6' : 'ipv4';
}

/** An IPv4-mapped IPv6 address (`::ffff:169.254.169.254`) as its IPv4 form. */
function unmapped(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1] : ip;
}

/**
 * Which datasource URLs the UI's server-side calls (proxy, "Save & test", WebSocket tail) may reach: `http:` and
 * `https:` only, and never a link-local or metadata address (checked on the literal host and on every address its
 * name resolves to) unless the host is allow-listed.
 */
export class DatasourceUrlPolicy {
  private readonly allowedNames = new Set<string>();
  private readonly allowedNets = new BlockList();
  private readonly resolved = new Map<string, { addresses: string[]; until: number }>();

  constructor(allowedHosts: readonly string[] = []) {
    for (const h of allowedHosts) {
      const [addr, bits] = h.split('/');
      const a = addr.replace(/^\[|\]$/g, '');
      if (isIP(a)) {
        if (bits !== undefined) this.allowedNets.addSubnet(a, Number(bits), family(a));
        else this.allowedNets.addAddress(a, family(a));
      } else this.allowedNames.add(h.toLowerCase());
    }
  }

  /** The URL parsed, or a `DatasourceUrlError` for a scheme other than HTTP(S) or a forbidden literal address. */
  checkSyntax(url: string): URL {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new DatasourceUrlError(`datasource URL ${JSON.stringify(url)} is not a valid URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DatasourceUrlError(`datasource URL scheme ${u.protocol} is not allowed: only http: and https:`);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) this.checkAddress(host, host);
    return u;
  }

  /** `checkSyntax`, then every address the host resolves to (cached for 30 s). */
  async check(url: string): Promise<URL> {
    const u = this.checkSyntax(url);
    const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (isIP(host) || this.allowedNames.has(host)) return u;
    const now = Date.now();
    let cached = this.resolved.get(host);
    if (!cached || cached.until < now) {
      let addresses: string[] = [];
      try {
        addresses = (await lookup(host, { all: true })).map((a) => a.address);
      } catch {
        // unresolvable: the call itself fails with its own error
      }
      cached = { addresses, until: now + 30_000 };
      if (this.resolved.size > 1000) this.resolved.clear();
      this.resolved.set(host, cached);
    }
    for (const a of cached.addresses) this.checkAddress(a, host);
    return u;
  }

  private checkAddress(ip: string, host: string): void {
    const a = unmapped(ip);
    if (this.allowedNames.has(host.toLowerCase()) || this.allowedNets.check(a, family(a))) return;
    if (FORBIDDEN.check(a, family(a))) {
      throw new DatasourceUrlError(`datasource host ${host} (${a}) is a link-local or metadata address; add it to ui.datasource_proxy.allowed_hosts to allow it`);
    }
  }
}
