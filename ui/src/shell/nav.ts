/**
 * The left navigation, in Grafana's shape. A page appears in the menu by one entry here (and its route in
 * `routes.tsx` names the entry's `id` as its `nav`); breadcrumbs follow this tree.
 */
export interface NavItem {
  id: string;
  title: string;
  /** Where the entry leads; a section without its own page leads to a landing page listing its children. */
  path: string;
  /** One glyph shown when the menu is folded. */
  icon?: string;
  /** Shown to Admins only. */
  adminOnly?: boolean;
  children?: NavItem[];
}

export const NAV: NavItem[] = [
  { id: 'home', title: 'Home', path: '/', icon: '⌂' },
  { id: 'explore', title: 'Explore', path: '/explore', icon: '◎' },
  { id: 'dashboards', title: 'Dashboards', path: '/dashboards', icon: '▦' },
  {
    id: 'alerting',
    title: 'Alerting',
    path: '/alerting',
    icon: '⚠',
    children: [
      { id: 'alert-rules', title: 'Alert rules', path: '/alerting/list' },
      { id: 'am-alerts', title: 'Alerts', path: '/alerting/groups' },
      { id: 'silences', title: 'Silences', path: '/alerting/silences' },
      { id: 'contact-points', title: 'Contact points', path: '/alerting/notifications' },
      { id: 'notification-policies', title: 'Notification policies', path: '/alerting/routes' },
      { id: 'mute-timings', title: 'Mute timings', path: '/alerting/timings' },
    ],
  },
  {
    id: 'prometheus',
    title: 'Prometheus',
    path: '/prometheus',
    icon: '⚙',
    children: [
      { id: 'prometheus-targets', title: 'Targets', path: '/prometheus/targets' },
      { id: 'prometheus-service-discovery', title: 'Service discovery', path: '/prometheus/service-discovery' },
      { id: 'prometheus-rules', title: 'Rules', path: '/prometheus/rules' },
      { id: 'prometheus-alerts', title: 'Alerts', path: '/prometheus/alerts' },
      { id: 'prometheus-config', title: 'Configuration', path: '/prometheus/config' },
      { id: 'prometheus-flags', title: 'Flags', path: '/prometheus/flags' },
      { id: 'prometheus-tsdb-status', title: 'TSDB status', path: '/prometheus/tsdb-status' },
      { id: 'prometheus-status', title: 'Runtime & build info', path: '/prometheus/status' },
    ],
  },
  {
    id: 'connections',
    title: 'Connections',
    path: '/connections',
    icon: '⇄',
    children: [{ id: 'datasources', title: 'Data sources', path: '/datasources' }],
  },
  {
    id: 'admin',
    title: 'Administration',
    path: '/admin',
    icon: '⚒',
    children: [
      { id: 'users', title: 'Users', path: '/admin/users', adminOnly: true },
      { id: 'serviceaccounts', title: 'Service accounts', path: '/admin/serviceaccounts', adminOnly: true },
      { id: 'tokens', title: 'Tokens', path: '/admin/tokens', adminOnly: true },
      { id: 'audit', title: 'Audit log', path: '/admin/audit', adminOnly: true },
    ],
  },
];

/** The chain of entries from the top of the tree down to `id` (empty when there is none). */
export function navTrail(id: string, items: NavItem[] = NAV): NavItem[] {
  for (const item of items) {
    if (item.id === id) return [item];
    const below = navTrail(id, item.children ?? []);
    if (below.length > 0) return [item, ...below];
  }
  return [];
}

/** The entries a user sees: Admin-only ones dropped for others, sections left empty by that dropped too. */
export function visibleNav(isAdmin: boolean, items: NavItem[] = NAV): NavItem[] {
  const out: NavItem[] = [];
  for (const item of items) {
    if (item.adminOnly && !isAdmin) continue;
    const children = item.children ? visibleNav(isAdmin, item.children) : undefined;
    if (item.children && children!.length === 0) continue;
    out.push(children ? { ...item, children } : item);
  }
  return out;
}
