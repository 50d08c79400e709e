import { describe, expect, it } from 'vitest';
import { DomainError } from './errors';
import { checkDeclinedVersion, checkUpgradeTarget, newVersionAvailable, upgradeOnOffer } from './upgrade';

describe('New Version Available', () => {
  it('shows while a version newer than the accepted and the declined one exists', () => {
    expect(newVersionAvailable({ acceptedVersion: 1, declinedVersion: null }, 2)).toBe(true);
    expect(newVersionAvailable({ acceptedVersion: 1, declinedVersion: 2 }, 2)).toBe(false);
    expect(newVersionAvailable({ acceptedVersion: 1, declinedVersion: 2 }, 3)).toBe(true);
    expect(newVersionAvailable({ acceptedVersion: null, declinedVersion: null }, 3)).toBe(false);
  });
});

describe('upgradeOnOffer', () => {
  it('offers the newest version above the accepted one of a live app', () => {
    expect(upgradeOnOffer({ acceptedVersion: 1 }, { latestVersion: 3 })).toEqual({
      fromVersion: 1,
      toVersion: 3,
    });
    expect(upgradeOnOffer({ acceptedVersion: 3 }, { latestVersion: 3 })).toBeNull();
    expect(upgradeOnOffer({ acceptedVersion: null }, { latestVersion: 3 })).toBeNull();
    expect(upgradeOnOffer({ acceptedVersion: 1 }, { latestVersion: 3, deletedAt: new Date() })).toBeNull();
  });
});

describe('upgrade guards', () => {
  const refusal = (check: () => void) => {
    try {
      check();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      return (error as DomainError).fieldErrors?.toVersion;
    }
    return null;
  };

  it('upgrades only to the newest version, above the accepted one', () => {
    expect(refusal(() => checkUpgradeTarget({ acceptedVersion: 1 }, 3, 3))).toBeNull();
    expect(refusal(() => checkUpgradeTarget({ acceptedVersion: 1 }, 3, 2))).toBe(
      'Version 2 is not the newest version any more. Review the changes again.',
    );
    expect(refusal(() => checkUpgradeTarget({ acceptedVersion: 3 }, 3, 3))).toMatch(/not the newest/);
  });

  it('declines any existing version above the accepted one', () => {
    expect(refusal(() => checkDeclinedVersion({ acceptedVersion: 1 }, 3, 2))).toBeNull();
    expect(refusal(() => checkDeclinedVersion({ acceptedVersion: 1 }, 3, 4))).toBe(
      'There is no version 4 to decline.',
    );
    expect(refusal(() => checkDeclinedVersion({ acceptedVersion: 2 }, 3, 2))).toBe(
      'There is no version 2 to decline.',
    );
  });
});
