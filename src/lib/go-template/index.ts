/**
 * Go's text/template, once for every area: Prometheus's alert and recording-rule templates (src/rules), Alertmanager's
 * notification templates (src/alertmanager) and LogQL's `line_format`/`label_format` (src/logs). Each area brings
 * its own function map; parsing, execution and Go's fmt verbs are here.
 */
export { TemplateError, parseTemplate, type ParsedTemplate } from './parse.js';
export { BUILTIN_FUNCS, FIELDS, InterfaceMap, execute, executeAsync, truth, type FieldSource, type TemplateFunc } from './execute.js';
export { TemplateSet } from './template-set.js';
export { formatFloat, formatGoTime, sprintValue, sprintf, type GoInt } from './go-fmt.js';
