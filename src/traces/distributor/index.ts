export { Distributor, type DistributorOptions, type IngesterPort } from './distributor.js';
