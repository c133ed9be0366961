// An independent OpenID provider for the HelseID client's tests: panva's certified
// node-oidc-provider, configured the way HelseID behaves — PAR required, PKCE S256
// required, private_key_jwt only, DPoP required with nonces, resource indicators
// giving single-audience JWT access tokens, refresh-token rotation, revocation and
// RP-initiated logout. The login is automatic (a test stands in for the user).
//
//   node oidc-provider.mjs <port> <client-jwks.json>
// Prints "ready <issuer>" when it listens; stops on SIGTERM.

import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const [port, jwksFile] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const clientJwks = JSON.parse(readFileSync(jwksFile, 'utf8'));

// A synthetic clinician (Tenor-style number: month + 80).
const USER = {
  accountId: 'peer-nurse',
  claims: {
    name: 'Peer Testsykepleier',
    'helseid://claims/identity/pid': '03817000737',
    'helseid://claims/hpr/hpr_number': '9100001',
    'helseid://claims/identity/security_level': '4',
    'helseid://claims/identity/assurance_level': 'high',
  },
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'arbeidsflate-peer',
      application_type: 'native',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: clientJwks,
      redirect_uris: ['http://127.0.0.1/callback'],
      post_logout_redirect_uris: ['http://127.0.0.1/logged-out'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      dpop_bound_access_tokens: true,
      require_auth_time: true,
      id_token_signed_response_alg: 'RS256',
    },
  ],
  clientAuthMethods: ['private_key_jwt'],
  enabledJWA: { clientAuthSigningAlgValues: ['ES256'], dPoPSigningAlgValues: ['ES256'] },
  pkce: { required: () => true },
  rotateRefreshToken: true,
  conformIdTokenClaims: false,
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  scopes: ['openid', 'profile', 'offline_access', 'api'],
  claims: {
    openid: ['sub'],
    profile: ['name'],
    'helseid://scopes/identity/pid': ['helseid://claims/identity/pid'],
    'helseid://scopes/identity/security_level': [
      'helseid://claims/identity/security_level',
      'helseid://claims/identity/assurance_level',
    ],
    'helseid://scopes/hpr/hpr_number': ['helseid://claims/hpr/hpr_number'],
  },
  findAccount: async (_ctx, id) =>
    id === USER.accountId ? { accountId: id, claims: async () => ({ sub: id, ...USER.claims }) } : undefined,
  features: {
    devInteractions: { enabled: false },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
    dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => ({
        scope: 'api',
        audience: resource,
        accessTokenTTL: 300,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { RefreshToken: 3600, AccessToken: 300, Session: 3600, Grant: 3600, Interaction: 600 },
});
provider.proxy = false;

// The automatic user: sign in and consent to everything that was asked for.
provider.use(async (ctx, next) => {
  if (!ctx.path.startsWith('/interaction/')) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const grant = new provider.Grant({ accountId: USER.accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const resources = [details.params.resource].flat().filter(Boolean);
  for (const r of resources) grant.addResourceScope(r, 'api');
  const grantId = await grant.save();
  await provider.interactionFinished(
    ctx.req,
    ctx.res,
    { login: { accountId: USER.accountId }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
  ctx.respond = false;
});

const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
