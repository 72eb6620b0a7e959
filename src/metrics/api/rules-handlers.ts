import { createHash } from 'node:crypto';
import { matchLabels, type Matcher } from '../../model/index.js';
import { badData, invalidParam } from './api-error.js';
import type { AlertStatus, RuleGroupStatus, RuleStatus } from './deps.js';
import type { ApiResult, HandlerContext } from './handler-context.js';
import { jsonString, labelsJson } from './json-encoding.js';
import { parseMatchers } from './series-handlers.js';
import { formatRfc3339 } from './time-format.js';

/** Go's `strconv.FormatFloat(v, 'e', -1, 64)`, as Prometheus writes an alert's value. */
function formatE(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const js = v.toExponential();
  const e = js.indexOf('e');
  const digits = js.slice(e + 2);
  return digits.length === 1 ? `${js.slice(0, e + 2)}0${digits}` : js;
}

function alertJson(a: AlertStatus): string {
  let out = `{"labels":${labelsJson(a.labels)},"annotations":${labelsJson(a.annotations)},"state":${jsonString(a.state)},"activeAt":${jsonString(formatRfc3339(a.activeAt))}`;
  if (a.keepFiringSince) out += `,"keepFiringSince":${jsonString(formatRfc3339(a.keepFiringSince))}`;
  return out + `,"value":${jsonString(formatE(a.value))}}`;
}

function ruleJson(r: RuleStatus, excludeAlerts: boolean): string {
  const lastError = r.lastError ? `,"lastError":${jsonString(r.lastError)}` : '';
  const tail = `,"health":${jsonString(r.health)}${lastError},"evaluationTime":${r.evaluationTime},"lastEvaluation":${jsonString(formatRfc3339(r.lastEvaluation))},"type":${jsonString(r.type)}}`;
  // Prometheus's recording rule JSON has `labels,omitempty`.
  if (r.type === 'recording') return `{"name":${jsonString(r.name)},"query":${jsonString(r.query)}${r.labels.size > 0 ? `,"labels":${labelsJson(r.labels)}` : ''}${tail}`;
  const alerts = excludeAlerts ? 'null' : `[${r.alerts.map(alertJson).join(',')}]`;
  return (
    `{"state":${jsonString(r.state)},"name":${jsonString(r.name)},"query":${jsonString(r.query)},"duration":${r.duration},"keepFiringFor":${r.keepFiringFor},` +
    `"labels":${labelsJson(r.labels)},"annotations":${labelsJson(r.annotations)},"alerts":${alerts}${tail}`
  );
}

/** Prometheus's `Group.Rules(matcherSets...)`: any set matches the rule's own labels. */
function ruleMatches(r: RuleStatus, sets: Matcher[][]): boolean {
  if (sets.length === 0) return true;
  const get = (n: string) => r.labels.get(n);
  return sets.some((ms) => matchLabels(ms, get));
}

function groupToken(file: string, name: string): string {
  return createHash('sha256').update(`${file};${name}`).digest('hex');
}

/** Prometheus's `parseListRulesPaginationRequest`: `group_limit` and `group_next_token`. */
function pagination(ctx: HandlerContext): { maxGroups: number; nextToken: string } {
  const maxGroups = ctx.params.urlGet('group_limit');
  const nextToken = ctx.params.urlGet('group_next_token');
  if (nextToken !== '' && maxGroups === '') throw invalidParam('group_next_token', 'group_limit needs to be present in order to paginate over the groups');
  if (maxGroups === '') return { maxGroups: -1, nextToken: '' };
  if (!/^[+-]?\d+$/.test(maxGroups) || Math.abs(Number(maxGroups)) > 2 ** 31 - 1) {
    const why = /^[+-]?\d+$/.test(maxGroups) ? 'value out of range' : 'invalid syntax';
    throw invalidParam('group_limit', `group_limit needs to be a valid number: strconv.ParseInt: parsing ${JSON.stringify(maxGroups)}: ${why}`);
  }
  const n = Number(maxGroups);
  if (n <= 0) throw invalidParam('group_limit', 'group_limit needs to be greater than 0');
  return { maxGroups: n, nextToken };
}

/** `/api/v1/rules` with the `type`, `rule_name[]`, `rule_group[]`, `file[]`, `match[]` and `exclude_alerts` filters. */
export async function rules(ctx: HandlerContext): Promise<ApiResult> {
  const p = ctx.params;
  const names = new Set(p.all('rule_name[]'));
  const groupsWanted = new Set(p.all('rule_group[]'));
  const files = new Set(p.all('file[]'));
  let sets: Matcher[][];
  try {
    sets = parseMatchers(p.all('match[]'));
  } catch (e) {
    throw badData((e as Error).message);
  }
  const typ = p.urlGet('type').toLowerCase();
  if (typ !== '' && typ !== 'alert' && typ !== 'record') throw invalidParam('type', `not supported value ${JSON.stringify(typ)}`);
  const ex = p.urlGet('exclude_alerts').toLowerCase();
  let excludeAlerts = false;
  if (ex !== '') {
    if (['1', 't', 'true'].includes(ex)) excludeAlerts = true;
    else if (!['0', 'f', 'false'].includes(ex)) {
      throw invalidParam('exclude_alerts', `error converting exclude_alerts: strconv.ParseBool: parsing ${JSON.stringify(ex)}: invalid syntax`);
    }
  }
  const { maxGroups, nextToken } = pagination(ctx);
  const groups: RuleGroupStatus[] = ctx.deps.rules ? ctx.deps.rules() : [];
  const out: string[] = [];
  let foundToken = false;
  let groupNextToken = '';
  for (const g of groups) {
    if (maxGroups > 0 && nextToken !== '' && !foundToken) {
      if (nextToken !== groupToken(g.file, g.name)) continue;
      foundToken = true;
    }
    if (groupsWanted.size > 0 && !groupsWanted.has(g.name)) continue;
    if (files.size > 0 && !files.has(g.file)) continue;
    const rs: string[] = [];
    for (const r of g.rules) {
      if (names.size > 0 && !names.has(r.name)) continue;
      if (r.type === 'alerting' && typ === 'record') continue;
      if (r.type === 'recording' && typ === 'alert') continue;
      if (!ruleMatches(r, sets)) continue;
      rs.push(ruleJson(r, excludeAlerts));
    }
    if (rs.length === 0) continue;
    if (maxGroups > 0 && out.length === maxGroups) {
      groupNextToken = groupToken(g.file, g.name);
      break;
    }
    out.push(
      `{"name":${jsonString(g.name)},"file":${jsonString(g.file)},"rules":[${rs.join(',')}],"interval":${g.interval},"limit":${g.limit},` +
        `"evaluationTime":${g.evaluationTime},"lastEvaluation":${jsonString(formatRfc3339(g.lastEvaluation))}}`,
    );
  }
  if (maxGroups > 0 && nextToken !== '' && !foundToken) {
    throw invalidParam('group_next_token', `invalid group_next_token '${nextToken}'. were rule groups changed?`);
  }
  const next = groupNextToken !== '' ? `,"groupNextToken":${jsonString(groupNextToken)}` : '';
  return { data: `{"groups":[${out.join(',')}]${next}}` };
}

/** `/api/v1/alerts`: every active alert of every alerting rule. */
export async function alerts(ctx: HandlerContext): Promise<ApiResult> {
  let list: AlertStatus[];
  if (ctx.deps.alerts) list = ctx.deps.alerts();
  else {
    list = [];
    for (const g of ctx.deps.rules ? ctx.deps.rules() : []) for (const r of g.rules) if (r.type === 'alerting') list.push(...r.alerts);
  }
  return { data: `{"alerts":[${list.map(alertJson).join(',')}]}` };
}
