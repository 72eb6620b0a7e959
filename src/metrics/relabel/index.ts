export { compileRelabel, compileRelabels, hashMod, processBuilder, relabel, type CompiledRelabel } from './relabel.js';
