import { Banner, Button, fieldErrorsFrom, messageFrom, ScopeChanges, useTRPC } from '@gatehouse/ui';
import { useMutation } from '@tanstack/react-query';
import type { ConnectionDetail } from './connection-detail';
import { useRefreshConnections } from './tenant-scope';

type Upgrade = NonNullable<ConnectionDetail['upgrade']>;

/** Allowing or declining a connection's upgrade to the app's newer version. */
function useUpgradeAnswers(connection: ConnectionDetail, upgrade: Upgrade) {
  const trpc = useTRPC();
  const refresh = useRefreshConnections();
  const allow = useMutation(trpc.connections.upgrade.mutationOptions({ onSuccess: refresh }));
  const decline = useMutation(trpc.connections.declineUpgrade.mutationOptions({ onSuccess: refresh }));
  const input = { connectionId: connection.id, toVersion: upgrade.toVersion };
  return {
    allow,
    decline,
    answer: { allow: () => allow.mutate(input), decline: () => decline.mutate(input) },
  };
}

export function UpgradePanel({ connection, upgrade }: { connection: ConnectionDetail; upgrade: Upgrade }) {
  const { allow, decline, answer } = useUpgradeAnswers(connection, upgrade);
  const error = allow.error ?? decline.error;
  return (
    <section className="card upgrade" aria-labelledby="upgrade-title">
      <h2 id="upgrade-title">Upgrade to New Version</h2>
      <p>
        The developer changed the scopes. Version {upgrade.toVersion} asks for the changes below; until you
        allow them, the app keeps version {upgrade.fromVersion}. The client credentials stay the same.
      </p>
      {error ? <Banner kind="error">{fieldErrorsFrom(error).toVersion ?? messageFrom(error)}</Banner> : null}
      <ScopeChanges added={upgrade.added} removed={upgrade.removed} />
      <div className="actions" style={{ marginTop: '1rem' }}>
        <Button
          variant="primary"
          busy={allow.isPending}
          busyLabel="Allowing…"
          disabled={decline.isPending}
          onClick={answer.allow}
        >
          Allow
        </Button>
        <Button
          busy={decline.isPending}
          busyLabel="Declining…"
          disabled={allow.isPending}
          onClick={answer.decline}
        >
          Decline
        </Button>
      </div>
    </section>
  );
}

/** After declining a version: the way to take it after all. */
export function UpgradeLater({ connection, upgrade }: { connection: ConnectionDetail; upgrade: Upgrade }) {
  const { allow, answer } = useUpgradeAnswers(connection, upgrade);
  return (
    <Button variant="ghost" busy={allow.isPending} busyLabel="Upgrading…" onClick={answer.allow}>
      Upgrade to version {upgrade.toVersion} now
    </Button>
  );
}
