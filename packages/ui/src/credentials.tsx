import { Banner, Button, CopyButton } from './primitives';

/** Client credentials right after they were made: the secret is on screen now and never again. */
export function CredentialsOnce({
  clientId,
  clientSecret,
  onDone,
  doneLabel = 'I have stored the secret',
}: {
  clientId: string;
  clientSecret: string;
  onDone?: () => void;
  doneLabel?: string;
}) {
  return (
    <section className="card credentials" aria-labelledby="credentials-title">
      <h2 id="credentials-title">Client ID &amp; Secret</h2>
      <Banner kind="warning">
        <strong>Copy the client secret now.</strong> It will not be shown again: Gatehouse keeps only a
        fingerprint of it. If it is lost, rotate it to get a new one.
      </Banner>
      <dl className="dl">
        <dt>Client ID</dt>
        <dd className="masked">
          <CopyableValue value={clientId} testId="client-id" copyLabel="Copy Client ID" />
        </dd>
        <dt>Client Secret</dt>
        <dd className="masked">
          <CopyableValue value={clientSecret} testId="client-secret" copyLabel="Copy Client Secret" />
        </dd>
      </dl>
      {onDone ? (
        <div className="actions" style={{ marginTop: '1rem' }}>
          <Button variant="primary" onClick={onDone}>
            {doneLabel}
          </Button>
        </div>
      ) : null}
    </section>
  );
}

/** A value shown in full once, with a button to copy it: a secret, a key, a link to pass on. */
export function CopyableValue({
  value,
  testId,
  copyLabel,
}: {
  value: string;
  testId: string;
  copyLabel: string;
}) {
  return (
    <>
      <code className="secret" data-testid={testId}>
        {value}
      </code>
      <CopyButton value={value} label={copyLabel} />
    </>
  );
}
