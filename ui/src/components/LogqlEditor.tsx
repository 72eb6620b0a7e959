import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { LanguageSupport, LRLanguage } from '@codemirror/language';
import { parser } from '@grafana/lezer-logql';
import { styleTags, tags } from '@lezer/highlight';
import { cachedGet, openBraceText } from '../lib/completion-source';
import { CodeEditor } from './CodeEditor';

const logqlLanguage = LRLanguage.define({
  name: 'logql',
  parser: parser.configure({
    props: [
      styleTags({
        'Json Logfmt Unpack Pattern Regexp Unwrap LabelFormat LineFormat LabelReplace Decolorize Drop Keep Offset Bool On Ignoring GroupLeft GroupRight By Without And Or Unless Ip': tags.keyword,
        'Sum Avg Count Max Min Stddev Stdvar Bottomk Topk Sort Sort_Desc CountOverTime Rate RateCounter BytesOverTime BytesRate AvgOverTime SumOverTime MinOverTime MaxOverTime StddevOverTime StdvarOverTime QuantileOverTime FirstOverTime LastOverTime AbsentOverTime Vector': tags.function(tags.variableName),
        Identifier: tags.labelName,
        String: tags.string,
        'Number Duration Bytes Range': tags.number,
        'Eq Neq Re Nre PipeExact PipeMatch PipePattern Npa Pipe Gtr Gte Lss Lte Eql Add Sub Mul Div Mod Pow': tags.operator,
        LineComment: tags.lineComment,
      }),
    ],
  }),
  languageData: { closeBrackets: { brackets: ['(', '[', '{', '"', '`'] } },
});

/** Label names after `{` or `,`, label values after `=`/`=~` inside a selector, from Loki's label APIs. */
function labelCompletion(base: string) {
  const get = cachedGet(base);
  const data = (path: string) => get<{ data?: string[] }>(path, {}).then((r) => r.data ?? []);
  return async (ctx: CompletionContext): Promise<CompletionResult | null> => {
    const sel = openBraceText(ctx, 200);
    if (!sel) return null;
    const { inner } = sel;
    const value = /([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*"([^"]*)$/.exec(inner);
    if (value) {
      const values = await data(`/loki/api/v1/label/${encodeURIComponent(value[1])}/values`);
      return { from: ctx.pos - value[3].length, options: values.map((v) => ({ label: v, type: 'text' })), validFor: /^[^"]*$/ };
    }
    const name = /(?:^|,)\s*([A-Za-z_]\w*)?$/.exec(inner);
    if (name) {
      const names = await data('/loki/api/v1/labels');
      return { from: ctx.pos - (name[1]?.length ?? 0), options: names.map((n) => ({ label: n, type: 'property' })), validFor: /^\w*$/ };
    }
    return null;
  };
}

/** LogQL editor: the Grafana lezer grammar for highlighting, label name and value completion from Loki. */
export function LogqlEditor(props: { value: string; datasourceUrl: string; onChange: (v: string) => void; onRun: (v: string) => void }) {
  return (
    <CodeEditor
      {...props}
      testId="logql-editor"
      placeholder='Enter a LogQL query, e.g. {namespace="default"} |= "error" (Shift+Enter to run)'
      languageKey={`logql:${props.datasourceUrl}`}
      language={() => [new LanguageSupport(logqlLanguage), autocompletion({ override: [labelCompletion(props.datasourceUrl)] })]}
    />
  );
}
