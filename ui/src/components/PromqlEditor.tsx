import { PromQLExtension } from '@prometheus-io/codemirror-promql';
import { CodeEditor } from './CodeEditor';

/**
 * PromQL editor with Prometheus's own language support: highlighting, linting, and completion of functions, metric
 * names, label names and values fetched from the datasource's metrics API through the proxy.
 */
export function PromqlEditor(props: { value: string; datasourceUrl: string; onChange: (v: string) => void; onRun: (v: string) => void }) {
  return (
    <CodeEditor
      {...props}
      testId="promql-editor"
      placeholder="Enter a PromQL query (Shift+Enter to run)"
      languageKey={`promql:${props.datasourceUrl}`}
      language={() => new PromQLExtension().setComplete({ remote: { url: props.datasourceUrl, httpMethod: 'GET', cache: { maxAge: 5 * 60_000 } } }).asExtension()}
    />
  );
}
