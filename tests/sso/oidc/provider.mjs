// A real OpenID Connect provider for the test suite: panva's oidc-provider (v8, the newest line
// that runs on Node.js 20) with a small test configuration. tests/sso/oidc_provider.py starts it:
//
//   node tests/sso/oidc/provider.mjs CONFIG.json
//
// CONFIG.json: {"port", "issuer", "clients": [client metadata], "jwks": {"keys": [private JWKs]},
//               "accounts_file", "id_token_ttl" (optional, seconds)}
// accounts_file: {"<login>": {"sub", "email", "email_verified", "name", "groups": [...],
// "disabled": false}}, read again at every look-up, so a test can change a person's groups or disable her between logins.
//
// The browser flow is the package's own: its development login form (field "login" is the key in
// accounts_file, any password), no consent screen (loadExistingGrant grants what our client
// asks), RP-initiated logout with the package's confirmation page, back-channel logout.
// Prints "ready" on stdout once it listens on 127.0.0.1.

import { readFileSync } from 'node:fs';
import * as querystring from 'node:querystring';

import Provider, { interactionPolicy } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function readAccounts() {
  return JSON.parse(readFileSync(config.accounts_file, 'utf8'));
}

// The session's accountId is the person's "sub" (the middleware below maps the typed login to it),
// so the ID token, userinfo and the back-channel logout token all carry the same subject.
function accountBySub(sub) {
  return Object.values(readAccounts()).find((account) => account.sub === sub);
}

async function findAccount(ctx, id) {
  const account = accountBySub(id);
  if (!account || account.disabled) {
    return undefined;
  }
  return {
    accountId: account.sub,
    async claims() {
      return {
        sub: account.sub,
        email: account.email,
        email_verified: account.email_verified ?? true,
        name: account.name,
        groups: account.groups ?? [],
      };
    },
  };
}

// Grant our clients what they ask for (scopes and claims), so no consent screen is shown.
async function loadExistingGrant(ctx) {
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
  let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!grant) {
    grant = new oidc.provider.Grant({
      clientId: oidc.client.clientId,
      accountId: oidc.session.accountId,
    });
  }
  const scopes = [...oidc.requestParamOIDCScopes];
  if (scopes.length) {
    grant.addOIDCScope(scopes.join(' '));
  }
  const claims = [...oidc.requestParamClaims];
  if (claims.length) {
    grant.addOIDCClaims(claims);
  }
  await grant.save();
  return grant;
}

// A signed-in session whose person is unknown or disabled (now) goes back to the login form.
const policy = interactionPolicy.base();
policy.get('login').checks.add(new interactionPolicy.Check(
  'account_not_found',
  'the End-User account is unknown or disabled',
  (ctx) => (ctx.oidc.session.accountId && !ctx.oidc.account
    ? interactionPolicy.Check.REQUEST_PROMPT
    : interactionPolicy.Check.NO_NEED_TO_PROMPT),
));

const ttl = {};
if (config.id_token_ttl) {
  ttl.IdToken = Number(config.id_token_ttl);
}

const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  jwks: config.jwks,
  findAccount,
  loadExistingGrant,
  interactions: { policy },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  conformIdTokenClaims: false,
  clientBasedCORS: () => false,
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
  },
  cookies: {
    // App and provider share the host 127.0.0.1 (cookies ignore the port): names of our own.
    names: {
      session: 'oidc_test_session',
      interaction: 'oidc_test_interaction',
      resume: 'oidc_test_resume',
    },
    long: { signed: true, httpOnly: true, sameSite: 'lax' },
    short: { signed: true, httpOnly: true, sameSite: 'lax' },
    keys: ['lotsenboard-test-cookie-key-1', 'lotsenboard-test-cookie-key-2'],
  },
  ttl,
});
provider.proxy = false;

// The development login form's "login" field is the key in accounts_file: it becomes the
// session's accountId as the person's "sub" (an unknown login becomes no one's sub).
provider.use(async (ctx, next) => {
  if (
    ctx.method === 'POST'
    && /^\/interaction\/[^/]+$/.test(ctx.path)
    && ctx.is('application/x-www-form-urlencoded')
  ) {
    const chunks = [];
    for await (const chunk of ctx.req) {
      chunks.push(chunk);
    }
    const body = querystring.parse(Buffer.concat(chunks).toString('utf8'));
    if (body.prompt === 'login' && typeof body.login === 'string') {
      const accounts = readAccounts();
      body.login = Object.hasOwn(accounts, body.login)
        ? accounts[body.login].sub
        : `unknown-login:${body.login}`;
    }
    ctx.req.body = querystring.stringify(body);
  }
  await next();
});

function describe(err) {
  return err?.stack || String(err);
}

provider.on('server_error', (ctx, err) => {
  console.error(`oidc-provider server_error ${ctx?.method} ${ctx?.path}: ${describe(err)}`);
});
provider.on('backchannel.error', (ctx, err, client, accountId, sid) => {
  console.error(`oidc-provider backchannel.error client=${client?.clientId} sub=${accountId} sid=${sid}: ${describe(err)}`);
});
provider.on('backchannel.success', (ctx, client, accountId, sid) => {
  console.error(`oidc-provider backchannel.success client=${client?.clientId} sub=${accountId} sid=${sid}`);
});
for (const event of ['authorization.error', 'grant.error', 'end_session.error', 'userinfo.error']) {
  provider.on(event, (ctx, err) => {
    console.error(`oidc-provider ${event}: ${err?.name}: ${err?.message} ${err?.error_description ?? ''}`);
  });
}

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
server.on('error', (err) => {
  console.error(`oidc-provider cannot listen on 127.0.0.1:${config.port}: ${describe(err)}`);
  process.exit(1);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections?.();
    process.exit(0);
  });
}
