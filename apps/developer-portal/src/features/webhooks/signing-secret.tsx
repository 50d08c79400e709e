import { Banner, Button, CopyableValue } from '@gatehouse/ui';

/** A signing secret right after it was made or rotated: on screen now and never again. */
export function SigningSecretOnce({
  url,
  secret,
  rotated,
  onDone,
}: {
  url: string;
  secret: string;
  rotated: boolean;
  onDone: () => void;
}) {
  return (
    <section className="card credentials" aria-labelledby="signing-secret-title">
      <h2 id="signing-secret-title">{rotated ? 'New signing secret' : 'Signing secret'}</h2>
      <p>
        For <code className="break">{url}</code>
      </p>
      <Banner kind="warning">
        <strong>Copy the signing secret now.</strong> It will not be shown again. Your endpoint needs it to
        check that deliveries come from Gatehouse. If it is lost, rotate it to get a new one.
        {rotated
          ? ' Until the grace period ends, deliveries carry a signature made with the old secret too.'
          : null}
      </Banner>
      <div className="masked">
        <CopyableValue value={secret} testId="signing-secret" copyLabel="Copy signing secret" />
      </div>
      <div className="actions" style={{ marginTop: '1rem' }}>
        <Button variant="primary" onClick={onDone}>
          I have stored the secret
        </Button>
      </div>
    </section>
  );
}
