import { ACCESS_ROLE_LABEL, type AccessRole, accessRequestSchema, fieldErrorsOf } from '@gatehouse/domain';
import { Banner, Button, FieldError, fieldErrorsFrom, messageFrom, TextField, useTRPC } from '@gatehouse/ui';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';

/** Request Access: anyone may ask; a reviewer decides. */
export function RequestAccess() {
  const trpc = useTRPC();
  const [form, setForm] = useState({
    name: '',
    email: '',
    organizationName: '',
    role: 'developer' as AccessRole,
    tenantId: '',
    website: '',
  });
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const request = useMutation(trpc.access.request.mutationOptions());
  const errors = { ...fieldErrorsFrom(request.error), ...clientErrors };
  const set = (key: keyof typeof form, value: string) => {
    setForm((f) => ({ ...f, [key]: value }));
    setClientErrors(({ [key]: _, ...rest }) => rest);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = {
      ...form,
      tenantId: form.role === 'tenant_admin' ? form.tenantId : undefined,
      website: form.website || undefined,
    };
    const parsed = accessRequestSchema.safeParse(input);
    if (!parsed.success) return setClientErrors(fieldErrorsOf(parsed.error));
    request.mutate(input);
  };
  if (request.isSuccess) {
    return (
      <main className="signin">
        <div className="card signin-card">
          <h1>Request received</h1>
          <p>
            A Gatehouse reviewer will look at your request. If it is approved, they send you a link to set
            your password.
          </p>
          <Link to="/signin">Back to sign in</Link>
        </div>
      </main>
    );
  }
  return (
    <main className="signin">
      <form className="card" style={{ width: 'min(520px, 100%)' }} onSubmit={submit} noValidate>
        <h1>Request Access</h1>
        <p className="muted">
          Ask for a developer account, or for tenant admin access to your company's tenant.
        </p>
        {request.isError && Object.keys(fieldErrorsFrom(request.error)).length === 0 ? (
          <Banner kind="error">{messageFrom(request.error)}</Banner>
        ) : null}
        <TextField
          label="Name"
          value={form.name}
          onChange={(e) => set('name', e.target.value)}
          error={errors.name}
          autoComplete="name"
        />
        <TextField
          label="Work email"
          type="email"
          value={form.email}
          onChange={(e) => set('email', e.target.value)}
          error={errors.email}
          autoComplete="email"
        />
        <TextField
          label="Organization"
          value={form.organizationName}
          onChange={(e) => set('organizationName', e.target.value)}
          error={errors.organizationName}
          autoComplete="organization"
        />
        <fieldset>
          <legend>Role wanted</legend>
          {(['developer', 'tenant_admin'] as const).map((role) => (
            <label className="choice" key={role}>
              <input
                type="radio"
                name="role"
                checked={form.role === role}
                onChange={() => set('role', role)}
              />{' '}
              {ACCESS_ROLE_LABEL[role]}
            </label>
          ))}
          <FieldError message={errors.role} />
        </fieldset>
        {form.role === 'tenant_admin' ? (
          <TextField
            label="Tenant ID"
            inputMode="numeric"
            value={form.tenantId}
            onChange={(e) => set('tenantId', e.target.value)}
            error={errors.tenantId}
            hint="Your company's numeric Tenant ID, e.g. 985798691."
          />
        ) : null}
        <div className="sr-only" aria-hidden>
          <label htmlFor="website">Website</label>
          <input
            id="website"
            tabIndex={-1}
            autoComplete="off"
            value={form.website}
            onChange={(e) => set('website', e.target.value)}
          />
        </div>
        <div className="actions">
          <Button type="submit" variant="primary" busy={request.isPending}>
            Send request
          </Button>
          <Link to="/signin">Back to sign in</Link>
        </div>
      </form>
    </main>
  );
}
