import { describe, expect, it } from 'vitest';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers';

describe('upstreamRequestHeaders', () => {
  it("keeps the client's end-to-end headers as they are, arrays included", () => {
    expect(
      upstreamRequestHeaders(
        {
          accept: 'application/json',
          'content-type': 'application/json',
          'content-length': '12',
          'if-none-match': '"v1"',
          'x-request-trace': ['a', 'b'],
        },
        {},
      ),
    ).toEqual({
      accept: 'application/json',
      'content-type': 'application/json',
      'content-length': '12',
      'if-none-match': '"v1"',
      'x-request-trace': ['a', 'b'],
    });
  });

  it('drops every hop-by-hop header, and each one Connection names whatever its case or spacing', () => {
    const sent = upstreamRequestHeaders(
      {
        connection: 'Keep-Alive ,X-One,, x-two',
        'x-one': '1',
        'x-two': '2',
        'x-three': '3',
        'keep-alive': 'timeout=5',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        trailer: 'x-checksum',
        'transfer-encoding': 'chunked',
        upgrade: 'websocket',
        'proxy-authenticate': 'Basic',
        'proxy-authorization': 'Basic cHJveHk6c2VjcmV0',
      },
      {},
    );

    expect(sent).toEqual({ 'x-three': '3' });
  });

  it("drops the client's credentials, Host, Expect, and what only Gatehouse or a proxy may say", () => {
    const sent = upstreamRequestHeaders(
      {
        host: 'api.example',
        authorization: 'Bearer client-token',
        'st-app-key': 'ak_client',
        cookie: 'session=1',
        expect: '100-continue',
        'gatehouse-app-id': 'spoofed',
        'gatehouse-assertion': 'forged',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-proto': 'http',
        forwarded: 'for=6.6.6.6',
        'x-gatehouse-csrf': '1',
      },
      {},
    );

    // `x-gatehouse-*` is not Gatehouse's prefix for what it tells the upstream: it passes like any header.
    expect(sent).toEqual({ 'x-gatehouse-csrf': '1' });
  });

  it("drops every name with `_`, which servers read as the `-` of Gatehouse's or the client's own headers", () => {
    const sent = upstreamRequestHeaders(
      {
        gatehouse_tenant: '100200300',
        'gatehouse_app-id': 'spoofed',
        x_forwarded_for: '6.6.6.6',
        st_app_key: 'ak_other',
        x_anything: '1',
        'x-client-note': 'kept',
      },
      {},
    );

    expect(sent).toEqual({ 'x-client-note': 'kept' });
  });

  it("drops every header a server might take the client's address from", () => {
    const sent = upstreamRequestHeaders(
      {
        'x-real-ip': '6.6.6.6',
        'true-client-ip': '6.6.6.6',
        'x-client-ip': '6.6.6.6',
        'client-ip': '6.6.6.6',
        'x-cluster-client-ip': '6.6.6.6',
        'cf-connecting-ip': '6.6.6.6',
        'x-forwarded-host': 'evil.example',
        'x-ip-note': 'kept',
      },
      { 'x-forwarded-for': '203.0.113.9' },
    );

    expect(sent).toEqual({ 'x-ip-note': 'kept', 'x-forwarded-for': '203.0.113.9' });
  });

  it('drops the headers that would make the upstream take the call for another method or path', () => {
    const sent = upstreamRequestHeaders(
      {
        'x-http-method-override': 'DELETE',
        'X-HTTP-Method': 'DELETE',
        'x-method-override': 'PUT',
        'x-original-url': '/crm/v2/tenant/100200300/customers',
        'x-rewrite-url': '/admin',
        'x-original-uri': '/crm/v2/tenant/100200300/customers',
        'x-envoy-original-path': '/admin',
        'x-http-method-note': 'kept',
      },
      {},
    );

    expect(sent).toEqual({ 'x-http-method-note': 'kept' });
  });

  it('adds the extra headers, in lower case, over anything of the same name', () => {
    const sent = upstreamRequestHeaders(
      { 'x-request-id': 'from-client', accept: '*/*' },
      { 'Gatehouse-App-Id': 'app_1', 'x-request-id': 'req_1', 'X-Forwarded-For': '203.0.113.9' },
    );

    expect(sent).toEqual({
      accept: '*/*',
      'gatehouse-app-id': 'app_1',
      'x-request-id': 'req_1',
      'x-forwarded-for': '203.0.113.9',
    });
  });

  it('leaves the incoming headers untouched', () => {
    const incoming = { connection: 'close', authorization: 'Bearer t', accept: '*/*' };

    upstreamRequestHeaders(incoming, { 'gatehouse-app-id': 'app_1' });

    expect(incoming).toEqual({ connection: 'close', authorization: 'Bearer t', accept: '*/*' });
  });
});

describe('clientResponseHeaders', () => {
  it('drops hop-by-hop headers and those Connection names, and keeps the rest', () => {
    expect(
      clientResponseHeaders({
        connection: 'keep-alive, x-hop',
        'x-hop': '1',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        trailer: 'x-checksum',
        upgrade: 'h2c',
        'proxy-authenticate': 'Basic',
        'proxy-connection': 'keep-alive',
        'content-type': 'application/json',
        'content-length': '2',
        etag: '"v1"',
        'cache-control': 'no-store',
      }),
    ).toEqual({
      'content-type': 'application/json',
      'content-length': '2',
      etag: '"v1"',
      'cache-control': 'no-store',
    });
  });

  it("drops cookies and CORS headers, which would act on Gatehouse's origin", () => {
    expect(
      clientResponseHeaders({
        'set-cookie': ['gatehouse_session=attacker; Path=/', 'b=2'],
        'Access-Control-Allow-Origin': 'https://evil.example',
        'access-control-allow-credentials': 'true',
        'access-control-allow-headers': 'authorization',
        'access-control-expose-headers': 'x-secret',
        'access-control-max-age': '86400',
        'x-access-control-note': 'kept',
        'content-type': 'application/json',
      }),
    ).toEqual({ 'x-access-control-note': 'kept', 'content-type': 'application/json' });
  });
});
