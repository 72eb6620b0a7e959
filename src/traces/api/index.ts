export { registerTempoApi, type TempoApiOptions } from './tempo-api.js';
export { registerZipkinRoutes } from './zipkin-api.js';
export { registerJaegerRoutes } from './jaeger-api.js';
export { httpTracesConsumer, pushErrorToHttp } from './push-errors.js';
