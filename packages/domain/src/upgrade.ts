import { invalidField } from './errors';

/** A connection's choices of versions; none is made while it was never allowed. */
interface VersionChoice {
  readonly acceptedVersion?: number | null | undefined;
  readonly declinedVersion?: number | null | undefined;
}

interface AppVersions {
  readonly latestVersion: number;
  readonly deletedAt?: Date | null | undefined;
}

/** *New Version Available* shows while the app has a version newer than both the accepted and the last declined one. */
export function newVersionAvailable(connection: VersionChoice, latestVersion: number): boolean {
  if (!connection.acceptedVersion) return false;
  return latestVersion > Math.max(connection.acceptedVersion, connection.declinedVersion ?? 0);
}

/**
 * The upgrade a connection could take: from its accepted version to the app's
 * newest, while that is newer and the app still exists; null otherwise.
 * Unlike the tag, it stays on offer after the admin declined it once.
 */
export function upgradeOnOffer(
  connection: VersionChoice,
  app: AppVersions,
): { fromVersion: number; toVersion: number } | null {
  const from = connection.acceptedVersion;
  if (!from || app.latestVersion <= from || app.deletedAt) return null;
  return { fromVersion: from, toVersion: app.latestVersion };
}

/**
 * Upgrade moves to exactly the version the admin reviewed: it must still be the
 * app's newest and above the accepted one. If a newer one appeared meanwhile,
 * the admin reviews again.
 */
export function checkUpgradeTarget(
  connection: VersionChoice,
  latestVersion: number,
  toVersion: number,
): void {
  if (toVersion !== latestVersion || toVersion <= (connection.acceptedVersion ?? 0)) {
    throw invalidField(
      'toVersion',
      `Version ${toVersion} is not the newest version any more. Review the changes again.`,
    );
  }
}

/** A declined version must exist and be newer than the accepted one. */
export function checkDeclinedVersion(
  connection: VersionChoice,
  latestVersion: number,
  toVersion: number,
): void {
  if (toVersion > latestVersion || toVersion <= (connection.acceptedVersion ?? 0)) {
    throw invalidField('toVersion', `There is no version ${toVersion} to decline.`);
  }
}
