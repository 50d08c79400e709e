import { Badge, DataTable, type RouterOutputs } from '@gatehouse/ui';
import { clockTime, duration, Moment } from './times';

type UpstreamHealth = RouterOutputs['gateway']['upstreams']['upstreams'][number];

/** Closed, Open (and when it lets a call try again) or Half-open, in words a badge can carry. */
function CircuitBadge({ upstream, now }: { upstream: UpstreamHealth; now: number }) {
  if (upstream.circuit === 'closed') return <Badge tone="good">Closed</Badge>;
  if (upstream.circuit === 'half-open') return <Badge tone="warn">Half-open</Badge>;
  const { openUntil } = upstream;
  return (
    <Badge tone="bad">
      {openUntil && openUntil.getTime() > now
        ? `Open — retrying at ${clockTime(openUntil)}`
        : 'Open — the next call tries again'}
    </Badge>
  );
}

/** What each circuit state means for a caller, said once under the table. */
export function CircuitLegend() {
  return (
    <dl className="dl muted" aria-label="Circuit states">
      <dt>Closed</dt>
      <dd>Calls go through to the upstream.</dd>
      <dt>Open</dt>
      <dd>
        Too many failures in a row: calls are answered 503 with Retry-After, without reaching the upstream,
        until the retry time; then one call tries it again.
      </dd>
      <dt>Half-open</dt>
      <dd>That one trial call is under way: its outcome closes the circuit or opens it again.</dd>
    </dl>
  );
}

/** One row per configured upstream: its circuit first, then what went wrong last and how busy it is. */
export function UpstreamsTable({ upstreams, now }: { upstreams: UpstreamHealth[]; now: number }) {
  return (
    <DataTable
      caption="Upstreams by API area, with their circuit state on this server instance"
      columns={['API area', 'Circuit', 'Last error', 'Last success', 'Calls', 'Upstream']}
    >
      {upstreams.map((upstream) => (
        <tr key={upstream.area} data-area={upstream.area}>
          <th scope="row">
            {upstream.areaName}
            <div className="muted">
              <code>/{upstream.area}</code>
            </div>
          </th>
          <td>
            <CircuitBadge upstream={upstream} now={now} />
            <div className="muted">
              {upstream.consecutiveFailures} of {upstream.failureThreshold} failures in a row
            </div>
          </td>
          <td style={{ overflowWrap: 'anywhere', minWidth: '12rem' }}>
            {upstream.lastError ? (
              <>
                {upstream.lastError.message}
                <div className="muted">
                  <Moment date={upstream.lastError.at} now={now} />
                </div>
              </>
            ) : (
              <span className="muted">None</span>
            )}
          </td>
          <td>
            {upstream.lastSuccessAt ? (
              <Moment date={upstream.lastSuccessAt} now={now} />
            ) : (
              <span className="muted">None yet</span>
            )}
          </td>
          <td style={{ whiteSpace: 'nowrap' }}>
            {upstream.calls} {upstream.calls === 1 ? 'call' : 'calls'}
            <div className={upstream.failures > 0 ? undefined : 'muted'}>{upstream.failures} failed</div>
            <div className="muted">{upstream.inFlight} in flight</div>
          </td>
          <td style={{ overflowWrap: 'anywhere', minWidth: '10rem' }}>
            <code>{upstream.url}</code>
            <div className="muted">Timeout {duration(upstream.timeoutMs)}</div>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
