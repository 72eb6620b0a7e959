import { autocompletion, type Completion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { LanguageSupport, LRLanguage } from '@codemirror/language';
import { parser } from '@grafana/lezer-traceql';
import type { EditorView } from '@codemirror/view';
import { styleTags, tags } from '@lezer/highlight';
import { cachedGet, openBraceText } from '../lib/completion-source';
import { traceqlTagNames, traceqlValueLiteral, type V2TagValues, type V2Tags } from '../lib/traceql';
import { CodeEditor } from './CodeEditor';

const traceqlLanguage = LRLanguage.define({
  name: 'traceql',
  parser: parser.configure({
    props: [
      styleTags({
        'Resource Span Event Link Instrumentation Parent': tags.keyword,
        'IntrinsicField Identifier': tags.labelName,
        'Aggregate GroupOperation SelectOperation CoalesceOperation MetricsOperationBasicType MetricsOverTimeType MetricsAggregatorFunctionType': tags.function(tags.variableName),
        String: tags.string,
        'Integer Float Duration': tags.number,
        Static: tags.atom,
        'FieldOp ScalarOp ComparisonOp And Or Gt Lt Desc Anc Pipe ExperimentalOp UnionStructuralOp': tags.operator,
        'LineComment BlockComment': tags.comment,
      }),
    ],
  }),
  languageData: { closeBrackets: { brackets: ['(', '[', '{', '"'] }, commentTokens: { line: '//' } },
});

/** Inserts a value, swallowing the closing quote `closeBrackets` put after the cursor when a quoted one replaces it. */
function applyValue(view: EditorView, c: Completion, from: number, to: number): void {
  const end = c.label.endsWith('"') && view.state.sliceDoc(to, to + 1) === '"' ? to + 1 : to;
  view.dispatch({ changes: { from, to: end, insert: c.label }, selection: { anchor: from + c.label.length }, userEvent: 'input.complete' });
}

/**
 * Inside a spanset filter `{ … }`: attribute names after `{`, `&&`, `||`, `(`; values after `<attr> <op>`, from
 * Tempo's `/api/v2/search/tags` and `/api/v2/search/tag/<attr>/values` (narrowed by the filter typed so far).
 */
function tagCompletion(base: string) {
  const get = cachedGet(base);
  return async (ctx: CompletionContext): Promise<CompletionResult | null> => {
    const sel = openBraceText(ctx);
    if (!sel) return null;
    const { inner, before } = sel;
    const value = /([A-Za-z_.][\w.:/-]*)\s*(=~|!~|!=|<=|>=|=|<|>)\s*("[^"]*|[\w.-]*)$/.exec(inner);
    if (value) {
      const attr = value[1];
      // values among spans matching the rest of the filter, as Grafana narrows them
      const rest = inner.slice(0, value.index).replace(/\s*(&&|\|\|)\s*$/, '').trim();
      const q = rest ? `?q=${encodeURIComponent(`{ ${rest} }`)}` : '';
      const r = await get<V2TagValues>(`/api/v2/search/tag/${encodeURIComponent(attr)}/values${q}`, {});
      const typed = value[3];
      const options: Completion[] = (r.tagValues ?? []).map((v) => ({ label: traceqlValueLiteral(v), type: v.type === 'string' ? 'text' : 'constant', apply: applyValue }));
      return { from: ctx.pos - typed.length, options, validFor: typed.startsWith('"') ? /^"[^"]*$/ : /^[\w.-]*$/ };
    }
    const name = /(?:^|&&|\|\||\()\s*([\w.:/-]*)$/.exec(inner);
    if (name && (name[1] || ctx.explicit || /[{(&|]\s*$/.test(before))) {
      const names = traceqlTagNames(await get<V2Tags>('/api/v2/search/tags', {}));
      return { from: ctx.pos - name[1].length, options: names.map((n) => ({ label: n, type: 'property' })), validFor: /^[\w.:/-]*$/ };
    }
    return null;
  };
}

/** TraceQL editor: the Grafana lezer grammar for highlighting, attribute and value completion from Tempo. */
export function TraceqlEditor(props: { value: string; datasourceUrl: string; onChange: (v: string) => void; onRun: (v: string) => void }) {
  return (
    <CodeEditor
      {...props}
      testId="traceql-editor"
      placeholder='Enter a TraceQL query, e.g. { resource.service.name = "shop" && status = error } (Shift+Enter to run)'
      languageKey={`traceql:${props.datasourceUrl}`}
      language={() => [new LanguageSupport(traceqlLanguage), autocompletion({ override: [tagCompletion(props.datasourceUrl)] })]}
    />
  );
}
