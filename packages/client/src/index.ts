export type { AccountApi, LoginInput, ProfileUpdate, RegisterInput } from './account-api.js';
export type { AdminApi, AdminUsersApi, AuditLogPage, AuditLogQuery, LoginHistoryPage, UserListQuery } from './admin-api.js';
export type { ApiKeyInput, ApiKeysApi } from './api-keys-api.js';
export type { CookieReader, GatehouseClientOptions } from './client-options.js';
export { createGatehouseClient, type GatehouseClient } from './create-client.js';
export { type ClientErrorCode, type FieldError, GatehouseError, isGatehouseError } from './gatehouse-error.js';
export type {
  AccountExport,
  ApiKey,
  AuditEntry,
  BulkResults,
  ErrorCode,
  LoginAttempt,
  NewApiKey,
  Operations,
  Problem,
  Session,
  Stats,
  User,
  UserList,
} from './generated/api-types.js';
export type { EmailApi, MailedTokenMessage, Message, PasswordApi } from './password-api.js';
export type { PageQuery, SessionPage, SessionsApi } from './sessions-api.js';
export { localStorageStorage, memoryStorage, type Tokens, type TokenStorage } from './token-storage.js';
