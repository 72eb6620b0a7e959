/** A configuration problem, naming the file and the YAML path of the offending key. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${file}: ${path === '' ? '' : `${path}: `}${reason}`);
    this.name = 'ConfigError';
  }
}
