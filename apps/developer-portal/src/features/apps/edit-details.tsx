import {
  APP_KIND_LABEL,
  type AppKind,
  CREDENTIALS_MODE_LABEL,
  type CredentialsMode,
  sameIdentity,
  wasApproved,
} from '@gatehouse/domain';
import { Banner, Button, fieldErrorsFrom, messageFrom, TextField, useTRPC } from '@gatehouse/ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { AppDetail } from './app-page';
import { VerifiedOrganization } from './new-app';

/**
 * Edit details: name, home page, kind and credentials mode. A never-approved app turned
 * public goes to review, and so does a new name or home page of an approved app.
 */
export function EditDetails({ app }: { app: AppDetail }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    name: app.name,
    homePageUrl: app.homePageUrl,
    kind: app.kind as AppKind,
    credentialsMode: app.credentialsMode as CredentialsMode,
  });
  const save = useMutation(
    trpc.apps.updateDetails.mutationOptions({
      onSuccess: async (updated) => {
        queryClient.setQueryData(trpc.apps.get.queryKey({ appId: app.id }), updated);
        await queryClient.invalidateQueries({ queryKey: trpc.apps.list.pathKey() });
      },
    }),
  );
  const errors = fieldErrorsFrom(save.error);
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    save.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({ appId: app.id, ...form });
  };
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="edit-details-title">
      <h2 id="edit-details-title">Details</h2>
      {save.isSuccess ? <Banner kind="success">Details saved.</Banner> : null}
      {save.isError && Object.keys(errors).length === 0 ? (
        <Banner kind="error">{messageFrom(save.error)}</Banner>
      ) : null}
      <div className="grid-2">
        <TextField
          label="Application name"
          value={form.name}
          onChange={(e) => set('name', e.target.value)}
          error={errors.name}
          maxLength={100}
        />
        <VerifiedOrganization name={app.organizationName} />
      </div>
      <TextField
        label="Home page URL"
        type="url"
        value={form.homePageUrl}
        onChange={(e) => set('homePageUrl', e.target.value)}
        error={errors.homePageUrl}
      />
      <div className="grid-2">
        <fieldset>
          <legend>Kind</legend>
          {(['public', 'private'] as const).map((kind) => (
            <label className="choice" key={kind}>
              <input
                type="radio"
                name="edit-kind"
                checked={form.kind === kind}
                onChange={() => set('kind', kind)}
              />{' '}
              {APP_KIND_LABEL[kind]}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Client credentials</legend>
          {(['tenant_admin', 'developer'] as const).map((mode) => (
            <label className="choice" key={mode}>
              <input
                type="radio"
                name="edit-credentials"
                checked={form.credentialsMode === mode}
                onChange={() => set('credentialsMode', mode)}
              />{' '}
              {CREDENTIALS_MODE_LABEL[mode]}
            </label>
          ))}
          <p className="hint">
            Applies to new connections only: existing ones keep who issues their credentials.
          </p>
        </fieldset>
      </div>
      {form.kind === 'public' && app.kind === 'private' && app.reviewStatus === 'not_required' ? (
        <p className="hint">
          Making this a Public App sends it to review: tenants will not see it until a reviewer approves it.
        </p>
      ) : null}
      {wasApproved(app) && !sameIdentity(form, app) ? (
        <p className="hint">
          A new name or home page goes to review. Tenants keep seeing {app.listedName} until a reviewer
          approves it.
        </p>
      ) : null}
      <Button type="submit" busy={save.isPending}>
        Save details
      </Button>
    </form>
  );
}
