export { initialAdminPasswordFile, startUi, uiDatabaseOptions } from './component.js';
export { createUiServer, resolveAdminPassword, UiConfigError, type UiConfig } from './ui-server.js';
export { openUiDatabase, DatabaseError, type DatabaseOptions, type UiDatabase } from './db/open.js';
export { hashPassword, verifyPassword } from './auth/password.js';
export { expandProvisioningEnv, parseProvisioningYaml, readProvisioningFolder, ProvisioningError } from './datasources/provisioning.js';
