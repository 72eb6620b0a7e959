import { autocompletion, closeBrackets, closeBracketsKeymap, closeCompletion, completionKeymap, completionStatus } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorState, Prec, type Extension } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { useEffect, useRef } from 'react';

const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: 'var(--syn-keyword)' },
  { tag: tags.function(tags.variableName), color: 'var(--syn-function)' },
  { tag: tags.labelName, color: 'var(--syn-label)' },
  { tag: tags.string, color: 'var(--syn-string)' },
  { tag: tags.regexp, color: 'var(--syn-string)' },
  { tag: tags.number, color: 'var(--syn-number)' },
  { tag: tags.operator, color: 'var(--syn-operator)' },
  { tag: tags.comment, color: 'var(--muted)', fontStyle: 'italic' },
]);

/**
 * A one-query CodeMirror 6 editor: the language extension comes from the caller (PromQL, LogQL). Shift+Enter or
 * Ctrl/Cmd+Enter runs. `languageKey` re-creates the editor when the language (or its datasource) changes.
 */
export function CodeEditor(props: { value: string; language: () => Extension; languageKey: string; placeholder: string; testId: string; onChange: (v: string) => void; onRun: (v: string) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const cb = useRef(props);
  cb.current = props;

  useEffect(() => {
    const run = (v: EditorView) => {
      closeCompletion(v);
      cb.current.onRun(v.state.doc.toString());
      return true;
    };
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: cb.current.value,
        extensions: [
          history(),
          closeBrackets(),
          bracketMatching(),
          autocompletion(),
          syntaxHighlighting(highlight),
          placeholder(cb.current.placeholder),
          Prec.highest(keymap.of([{ key: 'Shift-Enter', run }, { key: 'Mod-Enter', run }])),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap]),
          cb.current.language(),
          EditorView.lineWrapping,
          // the editable region is a textbox to assistive technology: it needs a name (axe aria-input-field-name)
          EditorView.contentAttributes.of({ 'aria-label': cb.current.placeholder }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) cb.current.onChange(u.state.doc.toString());
            // Completions are fetched asynchronously: an answer that lands after focus left must not open a popup
            // over the results (CodeMirror closes on blur only what is open then). No dispatch inside an update.
            if (!u.view.hasFocus && completionStatus(u.state) !== null) queueMicrotask(() => closeCompletion(u.view));
          }),
          EditorView.domEventHandlers({
            blur: (_e, v) => {
              closeCompletion(v);
              return false;
            },
          }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
  }, [props.languageKey]);

  // Follow outside changes (URL navigation) without disturbing typing.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== props.value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } });
  }, [props.value]);

  return <div className="promql-editor" data-testid={props.testId} ref={host} />;
}
