// An independent OpenID provider for Gatepass's interop tests: panva's certified `oidc-provider`
// 8.x (installed by tests/run.sh; 8.x is the line that supports Node 18 and 20), on 127.0.0.1 at
// a free port, with the development login and consent pages, the device flow, client
// credentials, refresh tokens, introspection, revocation and DPoP (with server nonces) on.
//
//   node provider.mjs CLIENT_KEY_FILE OIDC_PROVIDER_DIR
//
// CLIENT_KEY_FILE receives the private key (PKCS#8 PEM, EC P-256) of the `private_key_jwt`
// client, made here so the test never holds a key the provider did not register.
// OIDC_PROVIDER_DIR is the installed package (node_modules/oidc-provider).
// Standard output: "listening on ISSUER", then one "event {json}" line per token issued
// ({"grant_type": the provider's grant chain such as "authorization_code refresh_token",
// "client_id", "dpop": the jkt the token is bound to or null, "x5t": its certificate
// thumbprint or null}), so a test can
// tell a refresh from a new sign-in and a bound token from a plain one.
//
// Clients:
//   gp-cc-basic  client credentials, client_secret_basic, JWT access tokens (for the API below)
//   gp-cc-post   client credentials, client_secret_post, opaque tokens (introspected)
//   gp-cc-jwt    client credentials, private_key_jwt (ES256), JWT access tokens
//   gp-cc-dpop   client credentials, client_secret_basic, tokens must be DPoP-bound
//   gp-cc-mtls   client credentials, client_secret_basic, tokens bound to the client certificate
//   gp-native    public app: authorization code + PKCE on a loopback redirect, refresh tokens
//   gp-device    public app: device grant, refresh tokens
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [keyFile, packageDir] = process.argv.slice(2);
if (!keyFile || !packageDir) {
  console.error('usage: node provider.mjs CLIENT_KEY_FILE OIDC_PROVIDER_DIR');
  process.exit(2);
}
const { default: Provider } = await import(pathToFileURL(join(packageDir, 'lib', 'index.js')).href);
const clientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
writeFileSync(keyFile, clientKey.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
const clientJwk = { ...clientKey.publicKey.export({ format: 'jwk' }), kid: 'gp-interop', use: 'sig', alg: 'ES256' };

const API = 'urn:gatepass:interop-api';
const jwtClients = new Set(['gp-cc-basic', 'gp-cc-jwt', 'gp-cc-dpop', 'gp-cc-mtls']);
const ccScope = 'orders:read profile:read';

const clients = [
  {
    client_id: 'gp-cc-basic',
    client_secret: 'gp-cc-basic-secret-0b4e7c9a',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: ccScope,
  },
  {
    client_id: 'gp-cc-post',
    client_secret: 'gp-cc-post-secret-5d21f08e',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_post',
    scope: ccScope,
  },
  {
    client_id: 'gp-cc-jwt',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks: { keys: [clientJwk] },
    scope: ccScope,
  },
  {
    client_id: 'gp-cc-dpop',
    client_secret: 'gp-cc-dpop-secret-a7730c12',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    dpop_bound_access_tokens: true,
    scope: ccScope,
  },
  {
    client_id: 'gp-cc-mtls',
    client_secret: 'gp-cc-mtls-secret-3e91d4b7',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    tls_client_certificate_bound_access_tokens: true,
    scope: ccScope,
  },
  {
    client_id: 'gp-native',
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
    token_endpoint_auth_method: 'none',
  },
  {
    client_id: 'gp-device',
    application_type: 'native',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'none',
  },
];

const configuration = {
  clients,
  scopes: ['openid', 'offline_access', 'orders:read', 'profile:read'],
  claims: { openid: ['sub'] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  async findAccount(_ctx, sub) {
    return { accountId: sub, async claims() { return { sub }; } };
  },
  // Access tokens of the signed-in apps last 30 s, under the minute before expiry at which
  // Gatepass renews one: the next `gatepass token get` uses the refresh token, with no waiting.
  ttl: {
    AccessToken: (_ctx, token, client) => (client && jwtClients.has(client.clientId) ? 600 : 30),
    ClientCredentials: 600,
    DeviceCode: 120,
  },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async () => true },
    revocation: { enabled: true },
    dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
    // RFC 8705 certificate-bound tokens, when the provider serves TLS (GP_TLS_CERT): the
    // client's certificate is read off the connection.
    mTLS: {
      enabled: Boolean(process.env.GP_TLS_CERT),
      certificateBoundAccessTokens: true,
      getCertificate(ctx) {
        const peer = ctx.socket.getPeerCertificate?.(false);
        if (!peer || !peer.raw) return undefined;
        return `-----BEGIN CERTIFICATE-----\n${peer.raw.toString('base64')}\n-----END CERTIFICATE-----\n`;
      },
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx) => (jwtClients.has(ctx.oidc.client?.clientId) ? API : undefined),
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: ccScope, audience: API, accessTokenFormat: 'jwt' }),
    },
  },
};

// GP_TLS_CERT / GP_TLS_KEY / GP_TLS_CA: serve HTTPS and ask for (not require) a client certificate.
const tls = process.env.GP_TLS_CERT;
const server = tls
  ? createTlsServer({
      cert: readFileSync(tls),
      key: readFileSync(process.env.GP_TLS_KEY),
      ca: readFileSync(process.env.GP_TLS_CA),
      requestCert: true,
      rejectUnauthorized: false,
    })
  : createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  const issued = (token) => {
    const grantType = token.gty ?? (token.kind === 'ClientCredentials' ? 'client_credentials' : token.kind);
    const bound = { dpop: token.jkt ?? null, x5t: token['x5t#S256'] ?? null };
    console.log(`event ${JSON.stringify({ grant_type: grantType, client_id: token.clientId, ...bound })}`);
  };
  // Opaque tokens are saved, signed (JWT) ones issued: each token is one of the two.
  for (const kind of ['access_token', 'client_credentials']) {
    provider.on(`${kind}.saved`, issued);
    provider.on(`${kind}.issued`, issued);
  }
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));
  server.on('request', provider.callback());
  console.log(`listening on ${issuer}`);
});
