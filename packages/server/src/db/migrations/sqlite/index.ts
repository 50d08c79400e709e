import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261128205608_initial } from './m20261128205608-initial';
import { Migration20261202030000_connection_credentials_issuer } from './m20261202030000-connection-credentials-issuer';
import { Migration20261202030100_app_listed_identity } from './m20261202030100-app-listed-identity';
import { Migration20261202034500_app_first_approved_at } from './m20261202034500-app-first-approved-at';
import { Migration20261203010000_app_revision } from './m20261203010000-app-revision';
import { Migration20261204000000_access_request_limits } from './m20261204000000-access-request-limits';
import { Migration20261205000000_change_feed } from './m20261205000000-change-feed';
import { Migration20261206000000_paging_apps } from './m20261206000000-paging-apps';
import { Migration20261206000100_paging_access } from './m20261206000100-paging-access';
import { Migration20261206000200_paging_audit } from './m20261206000200-paging-audit';
import { Migration20261206000300_usage_rollup } from './m20261206000300-usage-rollup';
import { Migration20261207000000_webhooks_request_log } from './m20261207000000-webhooks-request-log';
import { Migration20261208000000_teams } from './m20261208000000-teams';
import { Migration20261208000100_request_log_by_id } from './m20261208000100-request-log-by-id';
import { Migration20261209000000_request_log_blocks } from './m20261209000000-request-log-blocks';
import { Migration20261210000000_request_log_tenants } from './m20261210000000-request-log-tenants';

/** Applied in order by `migrate` (and by the embedded demo when it starts); new ones come from `make-migration`. */
export const sqliteMigrations: MigrationObject[] = [
  { name: 'm20261128205608-initial', class: Migration20261128205608_initial },
  {
    name: 'm20261202030000-connection-credentials-issuer',
    class: Migration20261202030000_connection_credentials_issuer,
  },
  { name: 'm20261202030100-app-listed-identity', class: Migration20261202030100_app_listed_identity },
  { name: 'm20261202034500-app-first-approved-at', class: Migration20261202034500_app_first_approved_at },
  { name: 'm20261203010000-app-revision', class: Migration20261203010000_app_revision },
  { name: 'm20261204000000-access-request-limits', class: Migration20261204000000_access_request_limits },
  { name: 'm20261205000000-change-feed', class: Migration20261205000000_change_feed },
  { name: 'm20261206000000-paging-apps', class: Migration20261206000000_paging_apps },
  { name: 'm20261206000100-paging-access', class: Migration20261206000100_paging_access },
  { name: 'm20261206000200-paging-audit', class: Migration20261206000200_paging_audit },
  { name: 'm20261206000300-usage-rollup', class: Migration20261206000300_usage_rollup },
  { name: 'm20261207000000-webhooks-request-log', class: Migration20261207000000_webhooks_request_log },
  { name: 'm20261208000000-teams', class: Migration20261208000000_teams },
  { name: 'm20261208000100-request-log-by-id', class: Migration20261208000100_request_log_by_id },
  { name: 'm20261209000000-request-log-blocks', class: Migration20261209000000_request_log_blocks },
  { name: 'm20261210000000-request-log-tenants', class: Migration20261210000000_request_log_tenants },
];
