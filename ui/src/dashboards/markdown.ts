/**
 * A small Markdown reader for text panels, producing a tree of plain nodes that React renders as elements: no HTML
 * string is ever injected, so `<script>` or `onerror=` in a panel stays text. Links keep http(s), mailto and
 * relative URLs only. Supports headings, paragraphs, lists, code blocks, quotes, rules, emphasis, code and links.
 */

export type MdInline = string | { tag: 'strong' | 'em' | 'code' | 'del'; children: MdInline[] } | { tag: 'a'; href: string; children: MdInline[] };
export type MdBlock =
  | { tag: 'h1' | 'h2' | 'h3' | 'h4' | 'h5' | 'h6' | 'p' | 'blockquote'; children: MdInline[] }
  | { tag: 'ul' | 'ol'; items: MdInline[][] }
  | { tag: 'pre'; text: string }
  | { tag: 'hr' };

/** Only URLs that cannot run script: http(s), mailto, and relative paths or anchors. */
export function safeHref(href: string): string | undefined {
  const h = href.trim();
  if (/^(https?:|mailto:)/i.test(h)) return h;
  if (/^[a-z][a-z0-9+.-]*:/i.test(h)) return undefined;
  return h;
}

export function parseInline(text: string): MdInline[] {
  const out: MdInline[] = [];
  const re = /`([^`]+)`|\*\*(.+?)\*\*|__(.+?)__|~~(.+?)~~|\*([^*\s][^*]*?)\*|_([^_\s][^_]*?)_|!?\[([^\]]*)\]\(([^)\s]*)(?:\s+"[^"]*")?\)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push({ tag: 'code', children: [m[1]] });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ tag: 'strong', children: parseInline(m[2] ?? m[3]!) });
    else if (m[4] !== undefined) out.push({ tag: 'del', children: parseInline(m[4]) });
    else if (m[5] !== undefined || m[6] !== undefined) out.push({ tag: 'em', children: parseInline(m[5] ?? m[6]!) });
    else {
      const href = safeHref(m[8] ?? '');
      const label = parseInline(m[7] ?? '');
      out.push(href === undefined ? { tag: 'em', children: label } : { tag: 'a', href, children: label.length ? label : [href] });
    }
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function parseMarkdown(src: string): MdBlock[] {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const out: MdBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trim().startsWith(fence[1]!)) body.push(lines[i++]!);
      i++;
      out.push({ tag: 'pre', text: body.join('\n') });
      continue;
    }
    const h = /^\s*(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      out.push({ tag: `h${h[1]!.length}` as 'h1', children: parseInline(h[2]!) });
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push({ tag: 'hr' });
      i++;
      continue;
    }
    const list = /^\s*([-*+]|\d+[.)])\s+/.exec(line);
    if (list) {
      const ordered = /\d/.test(list[1]!);
      const items: MdInline[][] = [];
      while (i < lines.length) {
        const m = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(lines[i]!);
        if (!m || /\d/.test(m[1]!) !== ordered) break;
        items.push(parseInline(m[2]!));
        i++;
      }
      out.push({ tag: ordered ? 'ol' : 'ul', items });
      continue;
    }
    if (/^\s*>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i]!)) body.push(lines[i++]!.replace(/^\s*>\s?/, ''));
      out.push({ tag: 'blockquote', children: parseInline(body.join(' ')) });
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && !/^\s*(#{1,6}\s|```|~~~|>|[-*+]\s|\d+[.)]\s)/.test(lines[i]!)) para.push(lines[i++]!.trim());
    if (para.length === 0) para.push(lines[i++]!.trim());
    out.push({ tag: 'p', children: parseInline(para.join(' ')) });
  }
  return out;
}

/** HTML-mode text panels: tags are dropped and the text kept (never interpreted as markup). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|h\d|li)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}
