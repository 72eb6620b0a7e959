import { describe, expect, it } from 'vitest';
import { expandProvisioningEnv, parseProvisioningYaml, ProvisioningError } from './provisioning.js';

describe('provisioning YAML', () => {
  it("expands $VAR, ${VAR} and $__env{VAR}; $$ is a literal $", () => {
    const env = { URL: 'http://x:9090', PW: 's3cret' };
    expect(expandProvisioningEnv('a: $URL\nb: ${PW}\nc: $__env{PW}\nd: $${__value.raw}\ne: $MISSING.', env)).toBe('a: http://x:9090\nb: s3cret\nc: s3cret\nd: ${__value.raw}\ne: .');
  });

  it('reads datasources with Grafana defaults, a uid from the name, and legacy password fields as secrets', () => {
    const p = parseProvisioningYaml(
      'apiVersion: 1\ndatasources:\n- name: My Loki\n  type: loki\n  url: http://l:3100\n  basicAuth: true\n  basicAuthUser: u\n  basicAuthPassword: ${PW}\ndeleteDatasources:\n- name: Old\n  orgId: 1\n',
      'f.yaml',
      { PW: 'pw' },
    );
    expect(p.delete).toEqual(['Old']);
    expect(p.upsert).toEqual([
      expect.objectContaining({ uid: 'my-loki', name: 'My Loki', type: 'loki', access: 'proxy', isDefault: false, basicAuth: true, basicAuthUser: 'u', editable: false, jsonData: {}, secureJsonData: { basicAuthPassword: 'pw' } }),
    ]);
  });

  it('refuses unknown types and bad fields with the file and path', () => {
    expect(() => parseProvisioningYaml('apiVersion: 1\ndatasources:\n- name: M\n  type: mysql\n', 'f.yaml')).toThrow(/f\.yaml: datasources\.0\.type: unsupported type "mysql"/);
    expect(() => parseProvisioningYaml('apiVersion: 1\ndatasources:\n- type: loki\n', 'f.yaml')).toThrow(ProvisioningError);
    expect(() => parseProvisioningYaml('apiVersion: 1\ndatasources:\n- name: A\n  type: loki\n  uid: "bad uid!"\n', 'f.yaml')).toThrow(/datasources\.0\.uid/);
    expect(() => parseProvisioningYaml('datasources: [', 'f.yaml')).toThrow(/f\.yaml/);
  });
});
