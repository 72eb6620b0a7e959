import { isResolved, mergeAlerts, type Alert } from './alert.js';

/**
 * The alerts Alertmanager knows, by fingerprint (Alertmanager's in-memory provider). A re-sent alert whose activity
 * overlaps the stored one is merged; subscribers (the dispatcher) see every stored version.
 */
export class AlertStore {
  private readonly alerts = new Map<string, Alert>();
  private readonly listeners = new Set<(a: Alert) => void>();

  put(...alerts: Alert[]): void {
    for (let alert of alerts) {
      const old = this.alerts.get(alert.fingerprint);
      if (old && ((alert.endsAt > old.startsAt && alert.endsAt < old.endsAt) || (alert.startsAt > old.startsAt && alert.startsAt < old.endsAt))) {
        alert = mergeAlerts(old, alert);
      }
      this.alerts.set(alert.fingerprint, alert);
      for (const l of this.listeners) l(alert);
    }
  }

  get(fp: string): Alert | undefined {
    return this.alerts.get(fp);
  }

  list(): IterableIterator<Alert> {
    return this.alerts.values();
  }

  get size(): number {
    return this.alerts.size;
  }

  subscribe(listener: (a: Alert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drop resolved alerts (Alertmanager's periodic GC); returns the dropped ones. */
  gc(now: number): Alert[] {
    const dropped: Alert[] = [];
    for (const [fp, a] of this.alerts) {
      if (isResolved(a, now)) {
        this.alerts.delete(fp);
        dropped.push(a);
      }
    }
    return dropped;
  }
}
