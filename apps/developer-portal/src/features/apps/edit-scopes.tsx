import {
  Banner,
  Button,
  fieldErrorsFrom,
  messageFrom,
  ScopeChangeList,
  useReload,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useApp } from './app-page';
import { ScopePicker } from './scope-picker';

/** Edit: a save that changes the scopes makes the next version; one that changes nothing says so. */
export function EditScopes() {
  const app = useApp();
  const trpc = useTRPC();
  const [scopes, setScopes] = useState<string[]>(app.scopes);
  const reload = useReload(
    trpc.apps.get.queryKey({ appId: app.id }),
    trpc.apps.versions.queryKey({ appId: app.id }),
    trpc.apps.list.pathKey(),
  );
  const save = useMutation(
    trpc.apps.saveScopes.mutationOptions({
      onSuccess: async (result) => {
        if (result.changed) await reload();
      },
    }),
  );
  const result = save.data;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ appId: app.id, scopes });
      }}
    >
      {result && !result.changed ? (
        <Banner kind="info">
          No changes to save: the scopes are the same as version {result.version}, so no new version was made.
        </Banner>
      ) : null}
      {result?.changed ? (
        <Banner kind="success">
          Saved as version {result.version}. Your app key stays the same. Tenants keep their current version
          until their admin upgrades.
          {result.added.length > 0 ? <ScopeChangeList scopes={result.added} change="added" /> : null}
          {result.removed.length > 0 ? <ScopeChangeList scopes={result.removed} change="removed" /> : null}
        </Banner>
      ) : null}
      {save.isError && !fieldErrorsFrom(save.error).scopes ? (
        <Banner kind="error">{messageFrom(save.error)}</Banner>
      ) : null}
      <div className="card">
        <p className="muted">
          Check to add, uncheck to remove. Saving a change creates version {app.latestVersion + 1}.
        </p>
        <ScopePicker
          value={scopes}
          onChange={(next) => {
            setScopes(next);
            save.reset();
          }}
          error={fieldErrorsFrom(save.error).scopes}
        />
      </div>
      <div className="actions">
        <Button type="submit" variant="primary" busy={save.isPending}>
          Save
        </Button>
        <Button
          onClick={() => {
            setScopes(app.scopes);
            save.reset();
          }}
        >
          Reset
        </Button>
      </div>
    </form>
  );
}
