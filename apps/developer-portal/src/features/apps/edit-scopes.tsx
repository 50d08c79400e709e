import { SCOPE_USE_DAYS } from '@gatehouse/domain';
import {
  Banner,
  Button,
  fieldErrorsFrom,
  Loading,
  messageFrom,
  ScopeChangeList,
  useReload,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useApp } from './app-page';
import { SUGGEST } from './scope-advisor';
import { ScopePicker } from './scope-picker';

/**
 * Edit: a save that changes the scopes makes the next version; one that
 * changes nothing says so. Opened from the advisor's Suggest removal
 * (`?suggest=unused`), the scopes no call used in 30 days start unticked.
 */
export function EditScopes() {
  const app = useApp();
  const trpc = useTRPC();
  const [scopes, setScopes] = useState<string[]>(app.scopes);
  const [params] = useSearchParams();
  const suggesting = params.get(SUGGEST.name) === SUGGEST.unused;
  const use = useQuery({ ...trpc.requests.appScopeUse.queryOptions({ appId: app.id }), enabled: suggesting });
  const [suggested, setSuggested] = useState<string[] | null>(null);
  // The advisor answered: its unused scopes are unticked, once; the developer reviews before saving.
  if (suggesting && use.data && suggested === null) {
    const unused = use.data.unused.filter((scope) => app.scopes.includes(scope));
    setSuggested(unused);
    setScopes(app.scopes.filter((scope) => !unused.includes(scope)));
  }
  const reload = useReload(
    trpc.apps.get.queryKey({ appId: app.id }),
    trpc.apps.versions.queryKey({ appId: app.id }),
    trpc.apps.list.pathKey(),
    trpc.requests.appScopeUse.queryKey({ appId: app.id }),
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
      {suggesting && !result?.changed ? (
        <Suggestion
          pending={use.isPending}
          error={use.error}
          unused={suggested}
          version={app.latestVersion}
        />
      ) : null}
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
          alsoOpen={app.scopes}
          onChange={(next) => {
            setScopes(next);
            save.reset();
          }}
          error={fieldErrorsFrom(save.error).scopes}
        />
      </div>
      <div className="actions">
        <Button type="submit" variant="primary" busy={save.isPending} busyLabel="Saving…">
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

/** What Suggest removal unticked, said where the developer lands (scrolled into view: the details come first). */
function Suggestion({
  pending,
  error,
  unused,
  version,
}: {
  pending: boolean;
  error: unknown;
  unused: string[] | null;
  version: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const ready = unused !== null;
  useEffect(() => {
    if (ready) ref.current?.scrollIntoView({ block: 'start' });
  }, [ready]);
  if (pending) return <Loading label="Finding the scopes no call used…" />;
  if (error) return <Banner kind="error">{messageFrom(error)}</Banner>;
  if (!unused) return null;
  return (
    <div ref={ref} data-testid="scope-suggestion">
      {unused.length === 0 ? (
        <Banner kind="info">
          Every scope of version {version} was used in the last {SCOPE_USE_DAYS} days: nothing to suggest
          removing.
        </Banner>
      ) : (
        <Banner kind="info">
          <strong>Suggested removal.</strong> No call used{' '}
          {unused.length === 1 ? 'this scope' : `these ${unused.length} scopes`} in the last {SCOPE_USE_DAYS}{' '}
          days, so {unused.length === 1 ? 'it is' : 'they are'} unticked below. Review, then Save to make
          version {version + 1}, or Reset to keep them.
          <ScopeChangeList scopes={unused} change="removed" />
        </Banner>
      )}
    </div>
  );
}
