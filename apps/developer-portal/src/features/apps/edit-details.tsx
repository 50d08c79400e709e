import {
  APP_KIND_LABEL,
  APP_KINDS,
  type AppKind,
  CREDENTIALS_MODE_LABEL,
  CREDENTIALS_MODES,
  type CredentialsMode,
  identityAfterEdit,
  LIMITS,
  sameIdentity,
  wasApproved,
} from '@gatehouse/domain';
import { Banner, Button, ChoiceGroup, messageFrom, TextField, useForm, useTRPC } from '@gatehouse/ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { useApp } from './app-page';
import { VerifiedOrganization } from './new-app';

/**
 * Edit details: name, home page, kind and credentials mode. A never-approved app turned
 * public goes to review, and so does a new name or home page of an approved app.
 */
export function EditDetails() {
  const app = useApp();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const save = useMutation(
    trpc.apps.updateDetails.mutationOptions({
      onSuccess: async (updated) => {
        queryClient.setQueryData(trpc.apps.get.queryKey({ appId: app.id }), updated);
        await queryClient.invalidateQueries({ queryKey: trpc.apps.list.pathKey() });
      },
    }),
  );
  const form = useForm(
    {
      name: app.name,
      homePageUrl: app.homePageUrl,
      kind: app.kind as AppKind,
      credentialsMode: app.credentialsMode as CredentialsMode,
    },
    { refused: save.error, onChange: () => save.reset() },
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({ appId: app.id, ...form.values });
  };
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="edit-details-title">
      <h2 id="edit-details-title">Details</h2>
      {save.isSuccess ? <Banner kind="success">Details saved.</Banner> : null}
      {save.isError && Object.keys(form.errors).length === 0 ? (
        <Banner kind="error">{messageFrom(save.error)}</Banner>
      ) : null}
      <div className="grid-2">
        <TextField label="Application name" {...form.text('name')} maxLength={LIMITS.appName} />
        <VerifiedOrganization name={app.organizationName} />
      </div>
      <TextField label="Home page URL" type="url" {...form.text('homePageUrl')} />
      <div className="grid-2">
        <ChoiceGroup
          legend="Kind"
          name="edit-kind"
          options={APP_KINDS}
          label={(kind) => APP_KIND_LABEL[kind]}
          {...form.choice('kind')}
        />
        <ChoiceGroup
          legend="Client credentials"
          name="edit-credentials"
          options={CREDENTIALS_MODES}
          label={(mode) => CREDENTIALS_MODE_LABEL[mode]}
          {...form.choice('credentialsMode')}
        >
          <p className="hint">
            Applies to new connections only: existing ones keep who issues their credentials.
          </p>
        </ChoiceGroup>
      </div>
      {!wasApproved(app) && identityAfterEdit(app, form.values).consequence === 'entered_review' ? (
        <p className="hint">
          Making this a Public App sends it to review: tenants will not see it until a reviewer approves it.
        </p>
      ) : null}
      {wasApproved(app) && !sameIdentity(form.values, app) ? (
        <p className="hint">
          A new name or home page goes to review. Tenants keep seeing {app.listedName} until a reviewer
          approves it.
        </p>
      ) : null}
      <Button type="submit" busy={save.isPending} busyLabel="Saving…">
        Save details
      </Button>
    </form>
  );
}
