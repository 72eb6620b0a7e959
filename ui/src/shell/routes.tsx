import { lazy, type ComponentType } from 'react';
import type { User } from '../lib/api';
import { DatasourceEditPage } from '../pages/DatasourceEdit';
import { DatasourcesPage } from '../pages/Datasources';
import { HomePage } from '../pages/Home';
import { SectionPage } from '../pages/Section';

/** What every page gets from the shell: the signed-in user and the route's `:name` parameters. */
export interface PageProps {
  user: User;
  params: Record<string, string>;
}

export interface RouteDef {
  /** `/literal/:param` (see match.ts); the first matching route wins. */
  path: string;
  /** The NAV entry this page belongs to: highlighted in the menu, and the breadcrumbs' trail. */
  nav: string;
  /** A last breadcrumb below the nav entry (e.g. "Edit"), when the page is not the entry itself. */
  title?: string;
  /** Show the time picker in the top bar; the page reads the range with `useUrlTimeRange()` (`from`/`to` in the URL). */
  timeRange?: boolean;
  component: ComponentType<PageProps>;
}

// Pages with heavy dependencies (CodeMirror, uPlot) are lazy chunks, so sign-in and settings stay small.
const ExplorePage = lazy(() => import('../pages/Explore').then((m) => ({ default: m.ExplorePage })));
const DashboardsPage = lazy(() => import('../pages/Dashboards').then((m) => ({ default: m.DashboardsPage })));
const DashboardPage = lazy(() => import('../pages/dashboards/DashboardPage').then((m) => ({ default: m.DashboardPage })));
const AlertRulesPage = lazy(() => import('../pages/AlertRules').then((m) => ({ default: m.AlertRulesPage })));
const AlertGroupsPage = lazy(() => import('../pages/alerting/AlertGroups').then((m) => ({ default: m.AlertGroupsPage })));
const SilencesPage = lazy(() => import('../pages/alerting/Silences').then((m) => ({ default: m.SilencesPage })));
const SilenceEditorPage = lazy(() => import('../pages/alerting/SilenceEditor').then((m) => ({ default: m.SilenceEditorPage })));
const ContactPointsPage = lazy(() => import('../pages/alerting/ContactPoints').then((m) => ({ default: m.ContactPointsPage })));
const RuleEditorPage = lazy(() => import('../pages/alerting/RuleEditor').then((m) => ({ default: m.RuleEditorPage })));
const ContactPointEditorPage = lazy(() => import('../pages/alerting/ContactPointEditor').then((m) => ({ default: m.ContactPointEditorPage })));
const PolicyEditorPage = lazy(() => import('../pages/alerting/PolicyEditor').then((m) => ({ default: m.PolicyEditorPage })));
const MuteTimingsPage = lazy(() => import('../pages/alerting/MuteTimings').then((m) => ({ default: m.MuteTimingsPage })));
const NotificationPoliciesPage = lazy(() => import('../pages/alerting/NotificationPolicies').then((m) => ({ default: m.NotificationPoliciesPage })));
const UsersPage = lazy(() => import('../pages/Users').then((m) => ({ default: m.UsersPage })));
const ServiceAccountsPage = lazy(() => import('../pages/ServiceAccounts').then((m) => ({ default: m.ServiceAccountsPage })));
const TokensPage = lazy(() => import('../pages/Tokens').then((m) => ({ default: m.TokensPage })));
const AuditLogPage = lazy(() => import('../pages/AuditLog').then((m) => ({ default: m.AuditLogPage })));
const TargetsPage = lazy(() => import('../pages/prometheus/Targets').then((m) => ({ default: m.TargetsPage })));
const RulesPage = lazy(() => import('../pages/prometheus/Rules').then((m) => ({ default: m.RulesPage })));
const AlertsPage = lazy(() => import('../pages/prometheus/Alerts').then((m) => ({ default: m.AlertsPage })));
const StatusPage = lazy(() => import('../pages/prometheus/Status').then((m) => ({ default: m.StatusPage })));
const ServiceDiscoveryPage = lazy(() => import('../pages/prometheus/ServiceDiscovery').then((m) => ({ default: m.ServiceDiscoveryPage })));
const ConfigurationPage = lazy(() => import('../pages/prometheus/Configuration').then((m) => ({ default: m.ConfigurationPage })));
const FlagsPage = lazy(() => import('../pages/prometheus/Flags').then((m) => ({ default: m.FlagsPage })));
const TsdbStatusPage = lazy(() => import('../pages/prometheus/TsdbStatus').then((m) => ({ default: m.TsdbStatusPage })));

// One component for "new" and "edit": Save on a new datasource moves to its edit URL and keeps the page (and its test result).
const DatasourceEditRoute = (p: PageProps) => <DatasourceEditPage user={p.user} uid={p.params.uid} />;

const section = (nav: string): ComponentType<PageProps> => {
  const Section = () => <SectionPage nav={nav} />;
  Section.displayName = `Section(${nav})`;
  return Section;
};

/**
 * Every page of the app. Adding one: a line here (path, nav entry, component) and, for a menu item, an entry in
 * nav.ts. The server answers index.html for any non-API path, so each route survives reload and back/forward.
 */
export const ROUTES: RouteDef[] = [
  { path: '/', nav: 'home', component: HomePage },
  { path: '/explore', nav: 'explore', component: ExplorePage },
  { path: '/dashboards', nav: 'dashboards', component: DashboardsPage },
  { path: '/dashboard/new', nav: 'dashboards', title: 'New dashboard', component: DashboardPage },
  { path: '/d/:uid', nav: 'dashboards', title: 'Dashboard', component: DashboardPage },
  { path: '/d/:uid/:slug', nav: 'dashboards', title: 'Dashboard', component: DashboardPage },
  { path: '/alerting', nav: 'alerting', component: section('alerting') },
  { path: '/alerting/list', nav: 'alert-rules', component: AlertRulesPage },
  { path: '/alerting/groups', nav: 'am-alerts', component: AlertGroupsPage },
  { path: '/alerting/silences', nav: 'silences', component: SilencesPage },
  { path: '/alerting/silence/new', nav: 'silences', title: 'New', component: SilenceEditorPage },
  { path: '/alerting/silence/:id/edit', nav: 'silences', title: 'Edit', component: SilenceEditorPage },
  { path: '/alerting/notifications', nav: 'contact-points', component: ContactPointsPage },
  { path: '/alerting/routes', nav: 'notification-policies', component: NotificationPoliciesPage },
  { path: '/alerting/new', nav: 'alert-rules', title: 'New', component: RuleEditorPage },
  { path: '/alerting/grafana/:uid/edit', nav: 'alert-rules', title: 'Edit', component: RuleEditorPage },
  // Where a Grafana-managed alert's generatorURL points.
  { path: '/alerting/grafana/:uid/view', nav: 'alert-rules', title: 'Rule', component: RuleEditorPage },
  { path: '/alerting/notifications/receivers/new', nav: 'contact-points', title: 'New', component: ContactPointEditorPage },
  { path: '/alerting/notifications/receivers/:uid/edit', nav: 'contact-points', title: 'Edit', component: ContactPointEditorPage },
  { path: '/alerting/routes/edit', nav: 'notification-policies', title: 'Edit', component: PolicyEditorPage },
  { path: '/alerting/timings', nav: 'mute-timings', component: MuteTimingsPage },
  { path: '/prometheus', nav: 'prometheus', component: section('prometheus') },
  { path: '/prometheus/targets', nav: 'prometheus-targets', component: TargetsPage },
  { path: '/prometheus/rules', nav: 'prometheus-rules', component: RulesPage },
  { path: '/prometheus/alerts', nav: 'prometheus-alerts', component: AlertsPage },
  { path: '/prometheus/service-discovery', nav: 'prometheus-service-discovery', component: ServiceDiscoveryPage },
  { path: '/prometheus/config', nav: 'prometheus-config', component: ConfigurationPage },
  { path: '/prometheus/flags', nav: 'prometheus-flags', component: FlagsPage },
  { path: '/prometheus/tsdb-status', nav: 'prometheus-tsdb-status', component: TsdbStatusPage },
  { path: '/prometheus/status', nav: 'prometheus-status', component: StatusPage },
  { path: '/connections', nav: 'connections', component: section('connections') },
  { path: '/datasources', nav: 'datasources', component: DatasourcesPage },
  { path: '/datasources/new', nav: 'datasources', title: 'New', component: DatasourceEditRoute },
  { path: '/datasources/edit/:uid', nav: 'datasources', title: 'Edit', component: DatasourceEditRoute },
  { path: '/admin', nav: 'admin', component: section('admin') },
  { path: '/admin/users', nav: 'users', component: UsersPage },
  { path: '/admin/serviceaccounts', nav: 'serviceaccounts', component: ServiceAccountsPage },
  { path: '/admin/tokens', nav: 'tokens', component: TokensPage },
  { path: '/admin/audit', nav: 'audit', component: AuditLogPage },
];
