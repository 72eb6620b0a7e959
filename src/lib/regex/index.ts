export { RegexSyntaxError, compileAnchored, compileRegex, compileUnanchored, expandTemplate, replaceAll, type CompileOptions, type Regex, type RegexMatch } from './regex.js';
