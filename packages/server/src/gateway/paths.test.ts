import { describe, expect, it } from 'vitest';
import { gatewayPath } from './paths';

const below = (rest: string) => gatewayPath(`/integration/api/crm/v2/tenant/985798691/${rest}`);

describe('gatewayPath', () => {
  it('gives the decoded segments below /api, and the raw path and query the upstream is sent', () => {
    expect(gatewayPath('/integration/api/crm/v2/tenant/985798691/customers/a%20b?x=1&y=%20z')).toEqual({
      segments: ['crm', 'v2', 'tenant', '985798691', 'customers', 'a b'],
      forward: '/crm/v2/tenant/985798691/customers/a%20b?x=1&y=%20z',
      pathname: '/crm/v2/tenant/985798691/customers/a%20b',
    });
  });

  it.each([
    'customers/1/../../secrets',
    'customers/./1',
    'customers//1',
    'customers/',
    'customers/1%2e%2e',
    'customers/%2E',
    'customers/1%2F2',
    'customers/1%5C..',
    'customers/1\\..',
    'customers/1%00',
    'customers/%E0%A4%A',
  ])('refuses %s, which a server could read as another path', (rest) => {
    expect(below(rest)).toBeUndefined();
  });

  it.each([
    // Tomcat, Jetty and Spring drop what follows `;` in a segment: `..;` climbs, `bookings;x=1` is `bookings`.
    'customers/1/..;/..;/..;/100200300/customers',
    'customers/1/..;',
    'customers/.;/1',
    'bookings;x=1/7',
    'bookings;/7',
    'customers/1;jsessionid=abc',
    ';/customers',
    // Encoded, it decodes to the same segment the gate would match.
    'bookings%3bx=1/7',
    'customers/1/..%3B/..%3B',
  ])('refuses %s, whose segment holds a ;', (rest) => {
    expect(below(rest)).toBeUndefined();
  });

  it.each([
    // Decoded once they still hold a `%`: a server decoding again reads `..`, `/` or another name.
    'customers/%252e%252e/%252e%252e/100200300',
    'customers/1%252F2',
    'bookings%2525/7',
    'customers/100%25',
    // Windows and IIS drop a trailing dot or space: `bookings.` and `bookings ` are `bookings` there.
    'bookings./7',
    'bookings%2E%2E%2E/7',
    'bookings%20/7',
    'bookings%09/7',
    'bookings%C2%A0/7',
    'customers/1.',
  ])('refuses %s, which a server decoding twice or trimming could read as another path', (rest) => {
    expect(below(rest)).toBeUndefined();
  });

  it('keeps dots and spaces within a segment', () => {
    expect(below('customers/a.b%20c.json')?.segments.at(-1)).toBe('a.b c.json');
  });

  it('leaves a ; in the query alone, where it is no path parameter', () => {
    expect(below('customers?filter=a;b')?.forward).toBe('/crm/v2/tenant/985798691/customers?filter=a;b');
  });

  it.each([
    '_method=DELETE',
    'x=1&_method=DELETE',
    'x=1&_METHOD=delete',
    '_Method',
    'x=1;_method=PUT',
    '%5Fmethod=DELETE',
    '_%6Dethod=DELETE',
    '.method=DELETE',
    '+_method=DELETE',
    '%20_method=DELETE',
    '%2Emethod=DELETE',
    '_method[]=DELETE',
    '_method%5B0%5D=DELETE',
  ])("refuses the query ?%s, which frameworks take as the call's real method", (query) => {
    expect(below(`customers/1?${query}`)).toBeUndefined();
  });

  it('keeps a query whose names only look like _method', () => {
    for (const query of [
      'method=DELETE',
      'x=_method',
      '_methods=1',
      'my_method=1',
      '__method=1',
      'x=%E0%A4%A',
    ])
      expect(below(`customers/1?${query}`)?.forward, query).toBe(
        `/crm/v2/tenant/985798691/customers/1?${query}`,
      );
  });
});
