import type { ReactNode } from 'react';
import { htmlToText, parseMarkdown, type MdInline } from '../../../dashboards/markdown';

function inline(nodes: MdInline[]): ReactNode[] {
  return nodes.map((n, i) => {
    if (typeof n === 'string') return n;
    if (n.tag === 'a') return <a key={i} href={n.href} target="_blank" rel="noopener noreferrer">{inline(n.children)}</a>;
    const Tag = n.tag;
    return <Tag key={i}>{inline(n.children)}</Tag>;
  });
}

/** Text panels: Markdown rendered as React elements (never as HTML); HTML mode shows the text without markup. */
export function TextPanel(props: { content: string; mode: string }) {
  if (props.mode === 'html') return <div className="dash-text" data-testid="text-panel" style={{ whiteSpace: 'pre-wrap' }}>{htmlToText(props.content)}</div>;
  if (props.mode === 'code') return <pre className="dash-text" data-testid="text-panel">{props.content}</pre>;
  return (
    <div className="dash-text" data-testid="text-panel">
      {parseMarkdown(props.content).map((b, i) => {
        switch (b.tag) {
          case 'hr':
            return <hr key={i} />;
          case 'pre':
            return <pre key={i}>{b.text}</pre>;
          case 'ul':
          case 'ol': {
            const List = b.tag;
            return <List key={i}>{b.items.map((it, k) => <li key={k}>{inline(it)}</li>)}</List>;
          }
          default: {
            const Tag = b.tag;
            return <Tag key={i}>{inline(b.children)}</Tag>;
          }
        }
      })}
    </div>
  );
}
