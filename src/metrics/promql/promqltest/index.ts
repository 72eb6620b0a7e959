export { runScript, almostEqual, type CaseResult } from './runner.js';
export { parseScript, parseSeriesDesc, type Command, type EvalCommand, type LoadCommand } from './script.js';
