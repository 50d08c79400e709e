import {
  APP_KIND_LABEL,
  type AppKind,
  CREDENTIALS_MODE_LABEL,
  type CredentialsMode,
  fieldErrorsOf,
  newAppSchema,
} from '@gatehouse/domain';
import {
  Banner,
  Button,
  FieldError,
  fieldErrorsFrom,
  messageFrom,
  TextField,
  useSession,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { ScopePicker } from './scope-picker';
import { TenantIdsEditor } from './tenant-ids';

const KIND_HELP: Record<AppKind, string> = {
  public: 'For many disparate customers. Tenants see it only after a reviewer has approved it.',
  private: 'For one single customer. No review needed.',
};

/** Tenants see the developer's verified organization on every app; nobody types it. */
export function VerifiedOrganization({ name }: { name: string }) {
  return (
    <div className="field">
      <span className="label">Organization</span>
      <span data-testid="verified-organization">
        {name} <span className="muted">(your verified organization)</span>
      </span>
    </div>
  );
}

export function NewApp() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const session = useSession();
  const [form, setForm] = useState({
    name: '',
    homePageUrl: '',
    tenantIds: [] as string[],
    kind: 'private' as AppKind,
    credentialsMode: 'tenant_admin' as CredentialsMode,
    scopes: [] as string[],
  });
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const create = useMutation(
    trpc.apps.create.mutationOptions({
      onSuccess: async (app) => {
        await queryClient.invalidateQueries({ queryKey: trpc.apps.list.pathKey() });
        navigate(`/apps/${app.id}?created=1`);
      },
    }),
  );
  const errors = { ...fieldErrorsFrom(create.error), ...clientErrors };
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setClientErrors(({ [key]: _, ...rest }) => rest);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = newAppSchema.safeParse(form);
    if (!parsed.success) {
      setClientErrors(fieldErrorsOf(parsed.error));
      return;
    }
    setClientErrors({});
    create.mutate(form);
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-app-title">
      <div className="page-head">
        <h1 id="new-app-title">New App</h1>
      </div>
      {Object.keys(errors).length > 0 ? (
        <Banner kind="error">Please correct the highlighted fields.</Banner>
      ) : create.isError ? (
        <Banner kind="error">{messageFrom(create.error)}</Banner>
      ) : null}
      <div className="card">
        <h2>Application</h2>
        <div className="grid-2">
          <TextField
            label="Application name"
            value={form.name}
            onChange={(e) => set('name', e.target.value)}
            error={errors.name}
            maxLength={100}
            required
          />
          <VerifiedOrganization name={session.data?.organizationName ?? ''} />
        </div>
        <TextField
          label="Home page URL"
          type="url"
          placeholder="https://www.example.com"
          value={form.homePageUrl}
          onChange={(e) => set('homePageUrl', e.target.value)}
          error={errors.homePageUrl}
          hint="Your organization's home page, shown to tenant admins."
          required
        />
        <div className="grid-2">
          <fieldset>
            <legend>Kind</legend>
            {(['public', 'private'] as const).map((kind) => (
              <label className="choice" key={kind}>
                <input
                  type="radio"
                  name="kind"
                  value={kind}
                  checked={form.kind === kind}
                  onChange={() => set('kind', kind)}
                />
                <span>
                  <strong>{APP_KIND_LABEL[kind]}</strong>
                  <br />
                  <span className="muted">{KIND_HELP[kind]}</span>
                </span>
              </label>
            ))}
            <FieldError message={errors.kind} />
          </fieldset>
          <fieldset>
            <legend>Client credentials</legend>
            {(['tenant_admin', 'developer'] as const).map((mode) => (
              <label className="choice" key={mode}>
                <input
                  type="radio"
                  name="credentialsMode"
                  value={mode}
                  checked={form.credentialsMode === mode}
                  onChange={() => set('credentialsMode', mode)}
                />
                <span>
                  {CREDENTIALS_MODE_LABEL[mode]}
                  {mode === 'tenant_admin' ? ' (default)' : ''}
                </span>
              </label>
            ))}
            <FieldError message={errors.credentialsMode} />
          </fieldset>
        </div>
      </div>
      <div className="card">
        <h2>Tenant IDs</h2>
        <p className="muted">
          The tenants (customers) your app is offered to. You can add and delete Tenant IDs at any time.
        </p>
        <TenantIdsEditor
          tenantIds={form.tenantIds}
          onAdd={(id) => set('tenantIds', [...form.tenantIds, id])}
          onRemove={(id) =>
            set(
              'tenantIds',
              form.tenantIds.filter((t) => t !== id),
            )
          }
          error={errors.tenantIds}
        />
      </div>
      <div className="card">
        <ScopePicker value={form.scopes} onChange={(scopes) => set('scopes', scopes)} error={errors.scopes} />
      </div>
      <div className="actions">
        <Button type="submit" variant="primary" busy={create.isPending}>
          Save
        </Button>
        <Button onClick={() => navigate('/')}>Cancel</Button>
      </div>
    </form>
  );
}
