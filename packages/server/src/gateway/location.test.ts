import { describe, expect, it } from 'vitest';
import { placeOf, publicLocation } from './location';

const API = 'https://api.gatehouse.example/integration/api';
const call = '/crm/v2/tenant/1/customers?x=1';

describe('publicLocation', () => {
  const upstream = placeOf('http://10.0.0.5:8080/base/');

  it.each([
    ['http://10.0.0.5:8080/base/crm/v2/tenant/1/customers/9', `${API}/crm/v2/tenant/1/customers/9`],
    [
      'http://10.0.0.5:8080/base/crm/v2/tenant/1/customers/9?view=full#top',
      `${API}/crm/v2/tenant/1/customers/9?view=full#top`,
    ],
    ['HTTP://10.0.0.5:8080/base/crm/v2/tenant/1/jobs', `${API}/crm/v2/tenant/1/jobs`],
    ['/base/crm/v2/tenant/1/customers/9', `${API}/crm/v2/tenant/1/customers/9`],
    ['customers/9', `${API}/crm/v2/tenant/1/customers/9`],
    ['http://10.0.0.5:8080/base', API],
  ])('rewrites %s on the upstream and below its base path to %s', (location, expected) => {
    expect(publicLocation(location, upstream, call, API)).toBe(expected);
  });

  it.each([
    'http://10.0.0.5:8080/internal',
    'http://10.0.0.5:8080/basement/x',
    'http://10.0.0.5:9090/base/crm/v2/tenant/1/customers/9',
    'https://10.0.0.5:8080/base/crm/v2/tenant/1/customers/9',
    'https://login.example.com/authorize?x=1',
    '/internal',
    'http://[not a url',
  ])('passes %s unchanged', (location) => {
    expect(publicLocation(location, upstream, call, API)).toBe(location);
  });

  it('takes every path of an upstream without a base path as its own', () => {
    expect(publicLocation('http://crm.internal/anything/7', placeOf('http://crm.internal'), call, API)).toBe(
      `${API}/anything/7`,
    );
  });
});
