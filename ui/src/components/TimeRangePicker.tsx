import { useState } from 'react';
import { describeRange, parseTime, QUICK_RANGES, type TimeRange } from '../lib/time';

/** Grafana-style range picker: quick ranges and free "from"/"to" in `now-1h` notation or absolute time. */
export function TimeRangePicker(props: { value: TimeRange; onChange: (r: TimeRange) => void }) {
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState(props.value.from);
  const [to, setTo] = useState(props.value.to);
  const [error, setError] = useState('');

  function apply() {
    try {
      const now = Date.now();
      if (parseTime(from, now) >= parseTime(to, now, true)) throw new Error('"From" must be before "To"');
      setError('');
      setOpen(false);
      props.onChange({ from: from.trim(), to: to.trim() });
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <div className="trp">
      <button
        className="btn secondary"
        data-testid="time-range-button"
        onClick={() => {
          setFrom(props.value.from);
          setTo(props.value.to);
          setOpen(!open);
        }}
      >
        {describeRange(props.value)}
      </button>
      {open && (
        <div className="trp-pop" role="dialog" onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
          <div className="trp-abs">
            <label>
              From
              <input data-testid="time-from" value={from} onChange={(e) => setFrom(e.target.value)} />
            </label>
            <label>
              To
              <input data-testid="time-to" value={to} onChange={(e) => setTo(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && apply()} />
            </label>
            {error && <div className="alert error">{error}</div>}
            <button className="btn primary" onClick={apply}>
              Apply time range
            </button>
          </div>
          <ul className="trp-quick">
            {QUICK_RANGES.map((q) => (
              <li key={q.label}>
                <button
                  className="link"
                  onClick={() => {
                    setOpen(false);
                    props.onChange({ from: q.from, to: q.to });
                  }}
                >
                  {q.label}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
