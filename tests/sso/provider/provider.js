// A real OpenID Connect provider (panva/oidc-provider) on 127.0.0.1 for PD Hub's
// single sign-on tests and the demo. Test use only: it signs in whoever the
// authorization request names in login_hint, without a password.
//
//   npm ci && node provider.js 4011
//
// Environment (all optional):
//   SSO_CLIENT_ID, SSO_CLIENT_SECRET  the one static client (pdhub-demo / pdhub-demo-secret)
//   SSO_REDIRECT_URIS                 comma-separated callback URLs the client may use
//   SSO_SIGNING_JWK                   a file holding the private RSA JWK tokens are signed
//                                     with (a new key each start otherwise)
//
// Accounts: any email address. Its subject is the address; its email is verified
// unless the address starts with "unverified".
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 4011);
const issuer = `http://127.0.0.1:${port}`;

function signingKey() {
  if (process.env.SSO_SIGNING_JWK) {
    return JSON.parse(readFileSync(process.env.SSO_SIGNING_JWK, 'utf8'));
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'demo', use: 'sig', alg: 'RS256' };
}

const redirectUris = (
  process.env.SSO_REDIRECT_URIS ||
  'http://localhost:5000/signin/oidc/callback,http://127.0.0.1:5000/signin/oidc/callback'
).split(',');

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.SSO_CLIENT_ID || 'pdhub-demo',
      client_secret: process.env.SSO_CLIENT_SECRET || 'pdhub-demo-secret',
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // The email claims go into the ID token itself (as Google's and Clever's do).
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: id,
          email_verified: !id.startsWith('unverified'),
          name: id.split('@')[0],
        };
      },
    };
  },
});

// Test-only interaction: sign in the login_hint account and consent at once.
async function interaction(req, res) {
  try {
    const details = await provider.interactionDetails(req, res);
    const accountId = String(details.params.login_hint || '');
    if (!accountId) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('login_hint (the email address to sign in) is required\n');
      return;
    }
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  } catch (error) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`${error.name}: ${error.message}\n`);
  }
}

const handle = provider.callback();
http
  .createServer((req, res) => {
    if (req.url.startsWith('/interaction/')) {
      interaction(req, res);
    } else {
      handle(req, res);
    }
  })
  .listen(port, '127.0.0.1', () => {
    process.stdout.write(`listening ${issuer}\n`);
  });
