import { useEffect, useState } from 'react';
import { grafanaApi, type MuteTiming } from './grafana-api';

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

interface Form {
  oldName?: string;
  name: string;
  times: string;
  weekdays: string;
  days: string;
  months: string;
  location: string;
}

const EMPTY: Form = { name: '', times: '', weekdays: '', days: '', months: '', location: '' };

function toTiming(f: Form): MuteTiming {
  const ti: MuteTiming['time_intervals'][number] = {};
  if (f.times.trim()) ti.times = list(f.times).map((t) => { const [start_time, end_time] = t.split('-').map((x) => x.trim()); return { start_time, end_time }; });
  if (f.weekdays.trim()) ti.weekdays = list(f.weekdays);
  if (f.days.trim()) ti.days_of_month = list(f.days);
  if (f.months.trim()) ti.months = list(f.months);
  if (f.location.trim()) ti.location = f.location.trim();
  return { name: f.name, time_intervals: [ti] };
}

function toForm(t: MuteTiming): Form {
  const ti = t.time_intervals[0] ?? {};
  return { oldName: t.name, name: t.name, times: (ti.times ?? []).map((x) => `${x.start_time}-${x.end_time}`).join(', '), weekdays: (ti.weekdays ?? []).join(', '), days: (ti.days_of_month ?? []).join(', '), months: (ti.months ?? []).join(', '), location: ti.location ?? '' };
}

const describe = (t: MuteTiming) =>
  t.time_intervals.map((ti) => [ti.times?.map((x) => `${x.start_time}–${x.end_time}`).join(', '), ti.weekdays?.join(', '), ti.days_of_month && `days ${ti.days_of_month.join(', ')}`, ti.months?.join(', '), ti.location].filter(Boolean).join(' · ') || 'always').join('; ');

/** Alerting → Mute timings: the Alertmanager's time intervals, created, edited and deleted here. */
export function MuteTimingsPage() {
  const [items, setItems] = useState<MuteTiming[] | undefined>();
  const [form, setForm] = useState<Form | undefined>();
  const [error, setError] = useState('');
  const load = () => grafanaApi.muteTimings().then(setItems, (e: Error) => setError(e.message));
  useEffect(() => void load(), []);
  const run = async (f: () => Promise<unknown>) => {
    setError('');
    try {
      await f();
      setForm(undefined);
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const field = (k: keyof Form, label: string, placeholder: string) => (
    <label>{label} <input name={k} placeholder={placeholder} value={form![k] ?? ''} onChange={(e) => setForm({ ...form!, [k]: e.target.value })} /></label>
  );
  return (
    <div className="page" data-testid="mute-timings-page">
      <div className="page-header">
        <h2>Mute timings</h2>
        <div className="toolbar"><button type="button" className="primary" data-testid="add-mute-timing" onClick={() => setForm(EMPTY)}>Add mute timing</button></div>
      </div>
      {error && <div className="alert error" role="alert">{error}</div>}
      {form && (
        <form data-testid="mute-timing-form" onSubmit={(e) => (e.preventDefault(), void run(() => grafanaApi.saveMuteTiming(toTiming(form), form.oldName)))}>
          <label>Name <input name="name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
          {field('times', 'Time ranges', '22:00-24:00, 00:00-06:00')}
          {field('weekdays', 'Days of the week', 'saturday, sunday or monday:friday')}
          {field('days', 'Days of the month', '1, 15, -1')}
          {field('months', 'Months', 'january, 12')}
          {field('location', 'Location', 'Europe/Berlin')}
          <div className="toolbar">
            <button type="submit" className="primary">Save mute timing</button>
            <button type="button" onClick={() => setForm(undefined)}>Cancel</button>
          </div>
        </form>
      )}
      {items && items.length === 0 && <p className="muted">No mute timings.</p>}
      {items && items.length > 0 && (
        <table className="result-table wrap">
          <thead><tr><th>Name</th><th>When</th><th /></tr></thead>
          <tbody>
            {items.map((t) => (
              <tr key={t.name} data-testid="mute-timing">
                <td><strong>{t.name}</strong></td>
                <td>{describe(t)}</td>
                <td className="actions">
                  <button type="button" onClick={() => setForm(toForm(t))}>Edit</button>
                  <button type="button" onClick={() => void run(() => grafanaApi.deleteMuteTiming(t.name))}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
