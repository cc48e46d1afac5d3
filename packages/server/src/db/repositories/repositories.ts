import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema.js';
import { AccountTokenRepository } from './account-token-repository.js';
import { ApiKeyRepository } from './api-key-repository.js';
import { AuditRepository } from './audit-repository.js';
import { ClientRepository } from './client-repository.js';
import { LoginHistoryRepository } from './login-history-repository.js';
import { RefreshTokenRepository } from './refresh-token-repository.js';
import { SessionRepository } from './session-repository.js';
import { SigningKeyRepository } from './signing-key-repository.js';
import { StatsRepository } from './stats-repository.js';
import { UsageRepository } from './usage-repository.js';
import { UserDirectoryRepository } from './user-directory-repository.js';
import { UserImportRepository } from './user-import-repository.js';
import { UserExportRepository } from './user-export-repository.js';
import { UserRepository } from './user-repository.js';

/** Every repository over one connection or transaction; `transaction` gives the same set bound to a transaction. */
export interface Repositories {
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly refreshTokens: RefreshTokenRepository;
  readonly signingKeys: SigningKeyRepository;
  readonly loginHistory: LoginHistoryRepository;
  readonly audit: AuditRepository;
  readonly accountTokens: AccountTokenRepository;
  readonly clients: ClientRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly stats: StatsRepository;
  readonly usage: UsageRepository;
  readonly userDirectory: UserDirectoryRepository;
  readonly userImport: UserImportRepository;
  readonly userExport: UserExportRepository;
  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
}

export function createRepositories(db: Kysely<DatabaseSchema>, inTransaction = false): Repositories {
  const repos: Repositories = {
    users: new UserRepository(db),
    sessions: new SessionRepository(db),
    refreshTokens: new RefreshTokenRepository(db),
    signingKeys: new SigningKeyRepository(db),
    loginHistory: new LoginHistoryRepository(db),
    audit: new AuditRepository(db),
    accountTokens: new AccountTokenRepository(db),
    clients: new ClientRepository(db),
    apiKeys: new ApiKeyRepository(db),
    stats: new StatsRepository(db),
    usage: new UsageRepository(db),
    userDirectory: new UserDirectoryRepository(db),
    userImport: new UserImportRepository(db),
    userExport: new UserExportRepository(db),
    transaction: (work) => (inTransaction ? work(repos) : db.transaction().execute((trx) => work(createRepositories(trx, true)))),
  };
  return repos;
}
