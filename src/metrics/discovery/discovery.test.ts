import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/process.js';
import { kubernetesSdConfigSchema } from '../promconfig/schema.js';
import { StaticDiscoverer, resolveKubeConnection, sanitizeLabelName } from './index.js';

describe('discovery helpers', () => {
  it('sanitises label names as Prometheus does', () => {
    expect(sanitizeLabelName('app.kubernetes.io/name')).toBe('app_kubernetes_io_name');
    expect(sanitizeLabelName('prometheus.io/scrape')).toBe('prometheus_io_scrape');
    expect(sanitizeLabelName('ok_Name9')).toBe('ok_Name9');
  });

  it('announces static groups', () => {
    const got: unknown[] = [];
    new StaticDiscoverer([{ targets: ['a:1', 'b:2'], labels: { env: 'x' } }]).start((g) => got.push(...g));
    expect(got).toEqual([{ source: '0', targets: [{ __address__: 'a:1' }, { __address__: 'b:2' }], labels: { env: 'x' } }]);
  });

  it('resolves Kubernetes connections: in-cluster needs its environment, kubeconfig reads certificates and tokens', () => {
    const pod = kubernetesSdConfigSchema.parse({ role: 'pod' });
    expect(() => resolveKubeConnection(pod, {}, '/nonexistent')).toThrow('unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined');
    const dir = tempDir();
    writeFileSync(join(dir, 'tok'), 'from-file\n');
    writeFileSync(
      join(dir, 'kc.yaml'),
      [
        'current-context: b',
        'contexts:',
        '- name: a',
        '  context: {cluster: c1, user: u1}',
        '- name: b',
        '  context: {cluster: c2, user: u2, namespace: team}',
        'clusters:',
        '- name: c1',
        '  cluster: {server: "https://one:6443"}',
        '- name: c2',
        `  cluster: {server: "https://two:6443", certificate-authority-data: "${Buffer.from('CA PEM').toString('base64')}"}`,
        'users:',
        '- name: u1',
        '  user: {token: t1}',
        '- name: u2',
        '  user: {tokenFile: tok}',
      ].join('\n'),
    );
    const c = resolveKubeConnection(kubernetesSdConfigSchema.parse({ role: 'pod', kubeconfig_file: join(dir, 'kc.yaml') }));
    expect(c.server.href).toBe('https://two:6443/');
    expect(c.client.tlsOptions.ca?.toString()).toBe('CA PEM');
    expect(c.authHeader()).toBe('Bearer from-file');
    expect(c.ownNamespace).toBe('team');
    expect(kubernetesSdConfigSchema.safeParse({ role: 'pod', api_server: 'http://x', kubeconfig_file: 'y' }).error?.issues[0].message).toBe("cannot use 'kubeconfig_file' and 'api_server' simultaneously");
  });
});
