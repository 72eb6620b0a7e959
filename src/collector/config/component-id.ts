/** A component's id in the Collector's configuration: `type` or `type/name` (e.g. `otlp/tempo`). */
export interface ComponentId {
  readonly type: string;
  readonly name: string;
  /** The id as written, `type` or `type/name`. */
  readonly id: string;
}

const TYPE_RE = /^[a-zA-Z][0-9a-zA-Z_]{0,62}$/;

/** Parse `type[/name]`; returns an error message instead when the id is malformed. */
export function parseComponentId(id: string): ComponentId | string {
  const slash = id.indexOf('/');
  const type = (slash < 0 ? id : id.slice(0, slash)).trim();
  const name = slash < 0 ? '' : id.slice(slash + 1).trim();
  if (!TYPE_RE.test(type)) return `invalid component id ${JSON.stringify(id)}: the type must start with a letter and contain only letters, digits and underscores`;
  if (slash >= 0 && name === '') return `invalid component id ${JSON.stringify(id)}: the part after "/" must not be empty`;
  return { type, name, id: slash < 0 ? type : `${type}/${name}` };
}
