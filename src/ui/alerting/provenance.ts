/**
 * Grafana's provenance of an alerting object: '' (made in the UI), `api` (provisioning API) or `file` (provisioning
 * files). Its relaxed transition rule: anything may change an object without provenance; an object with one may not
 * be changed or deleted as a provenance-less object (the UI, or the API with `X-Disable-Provenance`).
 */
export class ProvenanceError extends Error {
  override name = 'ProvenanceError';
  constructor(from: string, to: string) {
    super(`Resource with provenance status '${from || 'none'}' cannot be changed to '${to || 'none'}'. You must use appropriate API and permissions to manage this resource`);
  }
}

export function checkProvenance(from: string | undefined, to: string): void {
  if (from && to === '') throw new ProvenanceError(from, to);
}
