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
