import {
  APP_KIND_LABEL,
  APP_KINDS,
  type AppKind,
  CREDENTIALS_MODE_LABEL,
  CREDENTIALS_MODES,
  type CredentialsMode,
  fieldErrorsOf,
  LIMITS,
  newAppSchema,
} from '@gatehouse/domain';
import {
  Banner,
  Button,
  ChoiceGroup,
  messageFrom,
  TextField,
  useForm,
  useSession,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
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
  const create = useMutation(
    trpc.apps.create.mutationOptions({
      onSuccess: async (app) => {
        await queryClient.invalidateQueries({ queryKey: trpc.apps.list.pathKey() });
        navigate(`/apps/${app.id}?created=1`);
      },
    }),
  );
  const form = useForm(
    {
      name: '',
      homePageUrl: '',
      tenantIds: [] as string[],
      kind: 'private' as AppKind,
      credentialsMode: 'tenant_admin' as CredentialsMode,
      scopes: [] as string[],
    },
    { refused: create.error },
  );
  const { values, errors, set } = form;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = newAppSchema.safeParse(values);
    if (!parsed.success) return form.refuse(fieldErrorsOf(parsed.error));
    form.refuse({});
    create.mutate(values);
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
          <TextField label="Application name" {...form.text('name')} maxLength={LIMITS.appName} required />
          <VerifiedOrganization name={session.data?.organizationName ?? ''} />
        </div>
        <TextField
          label="Home page URL"
          type="url"
          placeholder="https://www.example.com"
          {...form.text('homePageUrl')}
          hint="Your organization's home page, shown to tenant admins."
          required
        />
        <div className="grid-2">
          <ChoiceGroup
            legend="Kind"
            name="kind"
            options={APP_KINDS}
            label={(kind) => (
              <span>
                <strong>{APP_KIND_LABEL[kind]}</strong>
                <br />
                <span className="muted">{KIND_HELP[kind]}</span>
              </span>
            )}
            {...form.choice('kind')}
          />
          <ChoiceGroup
            legend="Client credentials"
            name="credentialsMode"
            options={CREDENTIALS_MODES}
            label={(mode) => (
              <span>
                {CREDENTIALS_MODE_LABEL[mode]}
                {mode === 'tenant_admin' ? ' (default)' : ''}
              </span>
            )}
            {...form.choice('credentialsMode')}
          />
        </div>
      </div>
      <div className="card">
        <h2>Tenant IDs</h2>
        <p className="muted">
          The tenants (customers) your app is offered to. You can add and delete Tenant IDs at any time.
        </p>
        <TenantIdsEditor
          tenantIds={values.tenantIds}
          onAdd={(id) => set('tenantIds', [...values.tenantIds, id])}
          onRemove={(id) =>
            set(
              'tenantIds',
              values.tenantIds.filter((t) => t !== id),
            )
          }
          error={errors.tenantIds}
        />
      </div>
      <div className="card">
        <ScopePicker
          value={values.scopes}
          onChange={(scopes) => set('scopes', scopes)}
          error={errors.scopes}
        />
      </div>
      <div className="actions">
        <Button type="submit" variant="primary" busy={create.isPending} busyLabel="Saving…">
          Save
        </Button>
        <Button onClick={() => navigate('/')}>Cancel</Button>
      </div>
    </form>
  );
}
