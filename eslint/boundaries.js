// The floor plan, enforced: see ARCHITECTURE.md "Boundaries".
//  - The ground floor (src/model, src/lib, src/config, src/server, src/storage) imports no area.
//  - An area (src/metrics, src/logs, ...) imports another area, or the floor, only through its public surface:
//    the folder's index.ts (for src/lib also a single-file module src/lib/<name>.ts).
import { dirname, relative, resolve, sep } from 'node:path';

const FLOOR = new Set(['model', 'lib', 'config', 'server', 'storage']);

/** `src/<top>/...` of an absolute path, or undefined outside src/. */
function srcParts(abs, srcRoot) {
  const rel = relative(srcRoot, abs);
  if (rel.startsWith('..') || rel === '') return undefined;
  return rel.split(sep);
}

function isPublicSurface(parts) {
  // parts: [top, ...rest] of the imported module (with .js/.ts extension)
  const last = parts[parts.length - 1].replace(/\.(js|ts|tsx)$/, '');
  if (parts[0] === 'lib') return parts.length === 2 || (parts.length === 3 && last === 'index'); // lib/<x>.ts, lib/<x>/index.ts
  if (FLOOR.has(parts[0])) return parts.length === 2 && last === 'index'; // model/index.ts, config/index.ts, ...
  return last === 'index'; // an area's (or one of its folders') index.ts
}

export const boundaries = {
  rules: {
    'no-internal-imports': {
      meta: {
        type: 'problem',
        docs: { description: 'areas import each other and the ground floor only through index.ts; the floor imports no area' },
        schema: [],
        messages: {
          floorImportsArea: "The ground floor ('src/{{from}}') must not import the area 'src/{{to}}'.",
          internal: "'{{spec}}' reaches into the internals of 'src/{{to}}'; import its public surface (src/{{to}}/index.ts) instead.",
        },
      },
      create(context) {
        const file = context.filename;
        const srcRoot = resolve(context.cwd, 'src');
        const from = srcParts(file, srcRoot);
        if (!from) return {};
        const check = (node, spec) => {
          if (typeof spec !== 'string' || !spec.startsWith('.')) return;
          const target = srcParts(resolve(dirname(file), spec), srcRoot);
          if (!target || target[0] === from[0]) return;
          if (FLOOR.has(from[0]) && !FLOOR.has(target[0])) {
            context.report({ node, messageId: 'floorImportsArea', data: { from: from[0], to: target[0] } });
            return;
          }
          if (!isPublicSurface(target)) context.report({ node, messageId: 'internal', data: { spec, to: FLOOR.has(target[0]) ? target[0] : target.slice(0, -1).join('/') } });
        };
        return {
          ImportDeclaration: (n) => check(n, n.source.value),
          ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
          ExportAllDeclaration: (n) => check(n, n.source.value),
          ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
        };
      },
    },
  },
};
