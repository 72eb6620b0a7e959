/** The OpenTelemetry Transformation Language, the subset Sightline runs: its syntax tree. */
export type Literal = { kind: 'literal'; value: string | number | boolean | null; pos: number };
export type PathExpr = { kind: 'path'; parts: string[]; keys: (string | number)[]; pos: number };
export type CallExpr = { kind: 'call'; name: string; args: Value[]; keys: (string | number)[]; pos: number };
export type ListExpr = { kind: 'list'; items: Value[]; pos: number };
export type EnumExpr = { kind: 'enum'; name: string; value: number; pos: number };
export type MathExpr = { kind: 'math'; op: '+' | '-' | '*' | '/'; left: Value; right: Value; pos: number };
export type Value = Literal | PathExpr | CallExpr | ListExpr | EnumExpr | MathExpr;

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type Condition =
  | { kind: 'or' | 'and'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; op: CompareOp; left: Value; right: Value }
  | { kind: 'value'; value: Value };

/** `editor(args) where condition`. */
export interface Statement {
  editor: CallExpr;
  where?: Condition;
}
