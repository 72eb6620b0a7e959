export { authorizationHeader, readSecret } from './auth.js';
export { HttpClient, noProxyMatcher, sendRequest, type BufferedResponse, type RequestInit, type TransportOptions } from './client.js';
export { describeTransportError, tlsConnectionOptions } from './tls.js';
