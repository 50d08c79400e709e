import { Badge, DataTable, type RouterOutputs } from '@gatehouse/ui';
import { clockTime, duration, Moment } from './times';

type UpstreamHealth = RouterOutputs['gateway']['upstreams']['upstreams'][number];

const COLUMNS = ['API area', 'Circuit', 'Last error', 'Last success', 'Calls', 'Upstream'] as const;
const [, CIRCUIT, LAST_ERROR, LAST_SUCCESS, CALLS, UPSTREAM] = COLUMNS;

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

/** One row per configured upstream: its circuit first, then what went wrong last and how busy it is. */
export function UpstreamsTable({ upstreams, now }: { upstreams: UpstreamHealth[]; now: number }) {
  return (
    <div className="gateway-table">
      <DataTable
        caption="Upstreams by API area, with their circuit on this server instance"
        columns={COLUMNS}
        ownPhoneLayout
      >
        {upstreams.map((upstream) => (
          <tr key={upstream.area}>
            <th scope="row">
              {upstream.areaName} <code className="muted">/{upstream.area}</code>
            </th>
            <td data-label={CIRCUIT}>
              <CircuitBadge upstream={upstream} now={now} />
              <div className="muted">
                {upstream.consecutiveFailures} of {upstream.failureThreshold} failures in a row
              </div>
            </td>
            <td data-label={LAST_ERROR} className="wraps">
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
            <td data-label={LAST_SUCCESS} className="figures">
              {upstream.lastSuccessAt ? (
                <Moment date={upstream.lastSuccessAt} now={now} />
              ) : (
                <span className="muted">None yet</span>
              )}
            </td>
            <td data-label={CALLS} className="figures">
              <div>
                {upstream.calls} {upstream.calls === 1 ? 'call' : 'calls'}
              </div>
              <div className={upstream.failures > 0 ? undefined : 'muted'}>{upstream.failures} failed</div>
              <div className="muted">{upstream.inFlight} in flight</div>
            </td>
            <td data-label={UPSTREAM} className="wraps address">
              <code>{upstream.url}</code>
              <div className="muted">Timeout {duration(upstream.timeoutMs)}</div>
            </td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}

/** What each circuit state means for a caller, said once under the table. */
export function CircuitLegend() {
  return (
    <dl className="dl gateway-legend" aria-label="Circuit states">
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
