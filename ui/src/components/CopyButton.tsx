import { useState } from 'react';

/** A button that copies `text` to the clipboard and then says so. */
export function CopyButton(props: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button type="button" className="btn secondary small" onClick={() => void navigator.clipboard?.writeText(props.text).then(() => setCopied(true), () => setCopied(false))}>
      {copied ? 'Copied' : (props.label ?? 'Copy')}
    </button>
  );
}
