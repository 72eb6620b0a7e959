/**
 * Layout checks run in the page (plain JavaScript: the tests' TypeScript has no DOM types): overlapping text,
 * clipped labels, raw epoch-millisecond times, fractional ticks on count axes. Each problem is a short description naming the elements.
 */
import type { Page } from 'playwright-core';

const SCRIPT = String.raw`(() => {
  const problems = [];
  const vw = innerWidth, vh = innerHeight;
  const name = (el) => el.tagName.toLowerCase() + (el.dataset.testid ? '[' + el.dataset.testid + ']' : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const visible = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden' || Number(s.opacity) === 0) return false;
    }
    return true;
  };
  // The visible part of a rectangle inside every scrolling or clipping ancestor (null when nothing shows).
  const clipRect = (el, r) => {
    let { left, top, right, bottom } = r;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.overflowX !== 'visible' || s.overflowY !== 'visible') {
        const c = e.getBoundingClientRect();
        left = Math.max(left, c.left); top = Math.max(top, c.top); right = Math.min(right, c.right); bottom = Math.min(bottom, c.bottom);
      }
    }
    left = Math.max(left, 0); top = Math.max(top, 0); right = Math.min(right, vw); bottom = Math.min(bottom, vh);
    return right - left > 1 && bottom - top > 1 ? { left, top, right, bottom } : null;
  };
  // Text boxes: one per line of each non-blank text node, outside dialogs' backdrops and tooltips.
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const el = n.parentElement;
    if (!el || el.closest('script,style,svg,.cm-tooltip,[role=tooltip],.graph-tooltip,option,select') || !visible(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    for (const r of range.getClientRects()) {
      if (r.width < 2 || r.height < 2) continue;
      const c = clipRect(el, r);
      if (c) boxes.push({ el, text: n.textContent.trim().slice(0, 40), full: n.textContent, ...c });
    }
  }
  const stacked = (a, b) => {
    // one painted over the other on purpose (a positioned layer): count only same-layer overlaps
    const layer = (el) => { for (let e = el; e; e = e.parentElement) { const p = getComputedStyle(e).position; if (p === 'absolute' || p === 'fixed' || p === 'sticky') return e; } return null; };
    return layer(a.el) !== layer(b.el);
  };
  boxes.sort((a, b) => a.left - b.left);
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i];
    for (let j = i + 1; j < boxes.length && boxes[j].left < a.right - 1; j++) {
      const b = boxes[j];
      if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) continue;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 2 && h > 2 && !stacked(a, b)) problems.push('text overlaps: "' + a.text + '" (' + name(a.el) + ') and "' + b.text + '" (' + name(b.el) + ')');
    }
  }
  // Labels cut off: an element whose text is wider than its box, hidden by overflow, without an ellipsis.
  for (const el of document.querySelectorAll('body *')) {
    if (!el.firstChild || el.closest('svg,.cm-editor,pre,textarea,select') || el.children.length > 0 && !el.matches('button,label,th,a,.nav-title')) continue;
    if (![...el.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim())) continue;
    const s = getComputedStyle(el);
    if (s.overflowX === 'visible' || s.textOverflow === 'ellipsis' || !visible(el)) continue;
    if (s.overflowX !== 'hidden' && s.overflowX !== 'clip') continue;
    if (el.scrollWidth > el.clientWidth + 1) problems.push('text clipped: "' + el.textContent.trim().slice(0, 40) + '" (' + name(el) + ') ' + el.scrollWidth + 'px in ' + el.clientWidth + 'px');
  }
  // Raw epoch milliseconds (2001–2033) in the UI's own text (not in log lines, code or attribute values shown as data).
  const own = boxes.filter((b) => !b.el.closest('.log-line,pre,code,.cm-editor,.log-details,.span-details')).map((b) => b.full).join('\n');
  const raw = /(^|[^\w.])(1[0-9]{12})(?![\w.])/.exec(own);
  if (raw) problems.push('raw epoch-ms time in the text: ' + raw[2]);
  // Count axes (the log volume's, and any graph drawn as one) tick at whole numbers only: no "2.5 lines".
  for (const g of document.querySelectorAll('[data-testid=log-volume] [data-testid=graph]')) {
    if (g.dataset.countAxis !== 'true') problems.push('the log volume graph is not drawn with a count axis');
  }
  for (const g of document.querySelectorAll('[data-testid=graph][data-count-axis=true]')) {
    const ticks = (g.dataset.yTicks || '').split(',').filter((t) => t !== '').map(Number);
    const odd = ticks.filter((t) => !Number.isInteger(t));
    if (odd.length) problems.push('fractional ticks on a count axis: ' + odd.join(', ') + ' (' + name(g) + ')');
  }
  return problems;
})()`;

export async function layoutProblems(page: Page): Promise<string[]> {
  return (await page.evaluate(SCRIPT)) as string[];
}
