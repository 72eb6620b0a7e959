export { runScript, almostEqual, type CaseResult, type ScriptStorage } from './runner.js';
export { parseScript, parseSeriesDesc, type Command, type EvalCommand, type LoadCommand } from './script.js';
