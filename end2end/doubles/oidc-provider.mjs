// "Google" for the browser tests: a real OpenID Provider (npm oidc-provider 9.13.3 by panva,
// OpenID-certified; it warns that it wants Node 22 and runs on 20.12+) on loopback, which the
// pool (ministack) federates as an OpenID Connect identity provider. Its own login page is one
// e-mail field with "Sign in" and "Cancel" (which answers `error=access_denied`); it remembers
// the signed-in person in its own cookies, as Google does, and grants every requested scope
// without a consent page. Tests only: scripts/lib.sh's `start_test_idp` starts it.
// Env: IDP_PORT (4011), IDP_CLIENT_ID ("google-client"), IDP_CLIENT_SECRET,
//      IDP_REDIRECT_URIS (comma separated), IDP_COOKIE_PREFIX ("idp").
import { generateKeyPairSync } from 'node:crypto';
import Provider, { interactionPolicy } from 'oidc-provider';

const port = Number(process.env.IDP_PORT || 4011);
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.IDP_CLIENT_ID || 'google-client';
const clientSecret = process.env.IDP_CLIENT_SECRET || 'google-secret';
const redirectUris = (process.env.IDP_REDIRECT_URIS || 'http://127.0.0.1:8080/callback')
  .split(',').map((s) => s.trim()).filter(Boolean);
const cookiePrefix = process.env.IDP_COOKIE_PREFIX || 'idp';

// Signing key generated per process (avoids the "quick start development-only signing keys" warning).
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'jwk' });

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);

function claimsFor(accountId) {
  const email = accountId.toLowerCase();
  const local = email.split('@')[0];
  const [given, ...rest] = local.split(/[._-]+/).filter(Boolean);
  const givenName = cap(given || local);
  const familyName = cap(rest.join(' ')) || 'User';
  return {
    sub: accountId, // oidc-provider always overrides sub with accountId (= lower-cased email here)
    email,
    email_verified: true,
    name: `${givenName} ${familyName}`,
    given_name: givenName,
    family_name: familyName,
  };
}

// Default policy (login, consent) + a requestable "select_account" prompt so that
// Google-style prompt=select_account is accepted (it is rejected as invalid_request otherwise).
const policy = interactionPolicy.base();
policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 0);

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    // Either method is accepted at the token endpoint for a client registered with
    // client_secret_basic or client_secret_post (oidc-provider treats them as one family).
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: {
    keys: ['idp-test-cookie-signing-key'],
    names: {
      session: `${cookiePrefix}_session`,
      interaction: `${cookiePrefix}_interaction`,
      resume: `${cookiePrefix}_interaction_resume`,
    },
    // secure is only set automatically when ctx.secure (https / trusted proxy) - plain http is fine.
    long: { httpOnly: true, sameSite: 'lax' },
    short: { httpOnly: true, sameSite: 'lax' },
  },
  scopes: ['openid', 'email', 'profile'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  conformIdTokenClaims: false, // put scope-requested claims into the id_token too
  pkce: { required: () => false }, // PKCE optional (still verified when code_challenge is sent; S256 only)
  features: {
    devInteractions: { enabled: false },
  },
  interactions: {
    policy,
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return claimsFor(id); } };
  },
  // Auto-grant (no consent screen): reuse or create a grant covering whatever was requested.
  async loadExistingGrant(ctx) {
    const { oidc } = ctx;
    const accountId = oidc.account.accountId;
    const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!grant || grant.accountId !== accountId) {
      grant = new oidc.provider.Grant({ accountId, clientId: oidc.client.clientId });
    }
    grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
    const claims = [...oidc.requestParamClaims];
    if (claims.length) grant.addOIDCClaims(claims);
    await grant.save();
    return grant;
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><head><title>IdP error</title></head><body><h1>IdP error</h1>${
      Object.entries(out).map(([k, v]) => `<p><b>${esc(k)}</b>: ${esc(v)}</p>`).join('')}</body></html>`;
  },
});

function loginPage(uid, hint, prompt) {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign in - Test IdP</title></head>
<body>
  <h1>Sign in</h1>
  <form method="post" action="/interaction/${esc(uid)}" data-prompt="${esc(prompt)}">
    <label for="email">Email</label>
    <input id="email" type="email" name="email" required autofocus value="${esc(hint)}">
    <button type="submit" name="action" value="login">Sign in</button>
    <button type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
  </form>
</body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

// Custom interaction routes, mounted on the provider's own Koa app (before its router).
provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([^/]+)(\/abort)?$/);
  if (!m) return next();
  ctx.set('cache-control', 'no-store');
  try {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== m[1]) ctx.throw(400, 'interaction uid mismatch');
    const { prompt, params, session } = details;

    let action;
    let email;
    if (ctx.method === 'GET' && m[2]) {
      action = 'cancel'; // GET /interaction/:uid/abort
    } else if (ctx.method === 'POST' && !m[2]) {
      const form = await readForm(ctx.req);
      action = form.get('action') === 'cancel' ? 'cancel' : 'login';
      email = (form.get('email') || '').trim().toLowerCase();
    } else if (ctx.method === 'GET') {
      if (prompt.name === 'consent') {
        // Not normally reached (loadExistingGrant auto-grants); finish it anyway.
        const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
        if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
        if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
        ctx.respond = false;
        return provider.interactionFinished(ctx.req, ctx.res,
          { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
      }
      const hint = params.login_hint || session?.accountId || '';
      ctx.type = 'html';
      ctx.body = loginPage(details.uid, hint, prompt.name);
      return undefined;
    } else {
      ctx.throw(405);
    }

    ctx.respond = false; // interactionFinished writes the 303 itself
    if (action === 'cancel') {
      return provider.interactionFinished(ctx.req, ctx.res, {
        error: 'access_denied',
        error_description: 'End-User aborted interaction',
      }, { mergeWithLastSubmission: false });
    }
    if (!email) {
      ctx.respond = true;
      ctx.type = 'html';
      ctx.status = 400;
      ctx.body = loginPage(details.uid, '', prompt.name);
      return undefined;
    }
    return provider.interactionFinished(ctx.req, ctx.res, {
      login: { accountId: email, remember: true },
      select_account: {},
    }, { mergeWithLastSubmission: false });
  } catch (err) {
    ctx.respond = true;
    ctx.status = err.status || err.statusCode || 500;
    ctx.type = 'text';
    ctx.body = `interaction error: ${err.name}: ${err.error_description || err.message}`;
    return undefined;
  }
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`idp listening on ${issuer}`);
});
