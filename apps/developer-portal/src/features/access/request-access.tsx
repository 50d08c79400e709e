import {
  ACCESS_ROLE_LABEL,
  ACCESS_ROLES,
  type AccessRole,
  accessRequestSchema,
  fieldErrorsOf,
} from '@gatehouse/domain';
import {
  Banner,
  Button,
  ChoiceGroup,
  fieldErrorsFrom,
  messageFrom,
  SignedOutCard,
  TextField,
  useForm,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { Link } from 'react-router';

/** Request Access: anyone may ask; a reviewer decides. */
export function RequestAccess() {
  const trpc = useTRPC();
  const request = useMutation(trpc.access.request.mutationOptions());
  const form = useForm(
    {
      name: '',
      email: '',
      organizationName: '',
      role: 'developer' as AccessRole,
      tenantId: '',
      website: '',
    },
    { refused: request.error },
  );
  const { values } = form;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = {
      ...values,
      tenantId: values.role === 'tenant_admin' ? values.tenantId : undefined,
      website: values.website || undefined,
    };
    const parsed = accessRequestSchema.safeParse(input);
    if (!parsed.success) return form.refuse(fieldErrorsOf(parsed.error));
    request.mutate(input);
  };
  if (request.isSuccess) {
    return (
      <SignedOutCard title="Request received">
        <p>
          A Gatehouse reviewer will look at your request. If it is approved, they send you a link to set your
          password.
        </p>
        <Link to="/signin">Back to sign in</Link>
      </SignedOutCard>
    );
  }
  return (
    <SignedOutCard title="Request Access" onSubmit={submit} wide>
      <p className="muted">
        Ask for a developer account, or for tenant admin access to your company's tenant.
      </p>
      {request.isError && Object.keys(fieldErrorsFrom(request.error)).length === 0 ? (
        <Banner kind="error">{messageFrom(request.error)}</Banner>
      ) : null}
      <TextField label="Name" {...form.text('name')} autoComplete="name" />
      <TextField label="Work email" type="email" {...form.text('email')} autoComplete="email" />
      <TextField label="Organization" {...form.text('organizationName')} autoComplete="organization" />
      <ChoiceGroup
        legend="Role wanted"
        name="role"
        options={ACCESS_ROLES}
        label={(role) => ACCESS_ROLE_LABEL[role]}
        {...form.choice('role')}
      />
      {values.role === 'tenant_admin' ? (
        <TextField
          label="Tenant ID"
          inputMode="numeric"
          {...form.text('tenantId')}
          hint="Your company's numeric Tenant ID, e.g. 985798691."
        />
      ) : null}
      <div className="sr-only" aria-hidden>
        <label htmlFor="website">Website</label>
        <input
          id="website"
          tabIndex={-1}
          autoComplete="off"
          value={values.website}
          onChange={(e) => form.set('website', e.target.value)}
        />
      </div>
      <div className="actions">
        <Button type="submit" variant="primary" busy={request.isPending} busyLabel="Sending…">
          Send request
        </Button>
        <Link to="/signin">Back to sign in</Link>
      </div>
    </SignedOutCard>
  );
}
