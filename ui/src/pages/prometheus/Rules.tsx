import { RuleGroups, type RuleGroup } from './RuleGroups';
import { PrometheusPage } from './PrometheusPage';

/** Prometheus's Rules page: each group's recording and alerting rules, health and last evaluation. */
export function RulesPage() {
  return (
    <PrometheusPage<{ groups: RuleGroup[] }> title="Rules" api="rules" testId="rules-page">
      {(d) => <RuleGroups groups={d.groups} />}
    </PrometheusPage>
  );
}
