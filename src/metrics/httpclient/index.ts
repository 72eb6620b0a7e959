export { authorizationHeader, readSecret } from './auth.js';
export { HttpClient, noProxyMatcher, sendRequest, type BufferedResponse, type RequestInit, type TransportOptions } from './client.js';
export { TLS_VERSION_NAMES, describeTransportError, tlsConnectionOptions } from './tls.js';
