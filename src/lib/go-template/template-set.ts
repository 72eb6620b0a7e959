import { BUILTIN_FUNCS, execute, executeAsync, type TemplateFunc } from './execute.js';
import { TemplateError, parseTemplate, type Node, type ParsedTemplate } from './parse.js';

/**
 * Templates sharing one namespace, as Go's `template.New("").Funcs(f).ParseFiles(...)`: every `define` of every
 * parsed text is visible to all; a text's top level becomes the template of its name unless it is only
 * whitespace around definitions (then an existing template of that name stays).
 */
export class TemplateSet {
  private readonly defs = new Map<string, Node[]>();
  private readonly names: ReadonlySet<string>;

  constructor(private readonly funcs: Record<string, TemplateFunc>) {
    this.names = new Set([...Object.keys(BUILTIN_FUNCS), ...Object.keys(funcs)]);
  }

  /** Parses `src`, adding its definitions and (see above) its top level as `name`. Throws `TemplateError`. */
  parse(name: string, src: string): ParsedTemplate {
    const t = parseTemplate(name, src, this.names);
    for (const [n, body] of t.defs) this.defs.set(n, body);
    const blank = t.root.every((n) => n.k === 'text' && n.text.trim() === '');
    if (!blank || !this.defs.has(name)) this.defs.set(name, t.root);
    return t;
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  /** Runs the template `name` with `data` as dot. */
  execute(name: string, data: unknown): string {
    return execute(this.lookup(name), data, this.funcs, this.defs);
  }

  /** As `execute`, for function maps with async functions. */
  executeAsync(name: string, data: unknown): Promise<string> {
    return executeAsync(this.lookup(name), data, this.funcs, this.defs);
  }

  private lookup(name: string): ParsedTemplate {
    const root = this.defs.get(name);
    if (!root) throw new TemplateError(`template: no template ${JSON.stringify(name)} associated with template`);
    return { name, root, defs: this.defs };
  }
}
