// A real OpenID provider for the tests (panva's certified oidc-provider) on 127.0.0.1.
//
// It stands in for an e-ID broker (BankID/Freja behind OIDC: the personnummer in a claim) and
// for the municipality's staff identity provider (the groups in a claim). Signing in uses the
// library's own development pages: any login name and any password; the login name is the
// account. Settings come from the environment, set by tests/oidc/provider.py:
//   OIDC_TEST_PORT     the port to listen on
//   OIDC_TEST_CLIENTS  JSON list of clients ({client_id, client_secret, redirect_uris})
//   OIDC_TEST_ACCOUNTS JSON object: login -> extra claims (name, groups, ...)
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_TEST_PORT || 0);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OIDC_TEST_CLIENTS || '[]');
const accounts = JSON.parse(process.env.OIDC_TEST_ACCOUNTS || '{}');
const PERSONNUMMER = /^\d{12}$/;

function claimsFor(login) {
  const extra = accounts[login] || {};
  const claims = { sub: login, ...extra };
  // As an e-ID broker sends it: twelve digits, no hyphen.
  if (PERSONNUMMER.test(login)) claims.personal_number = login;
  if (login.includes('@')) claims.email = login;
  return claims;
}

const provider = new Provider(issuer, {
  clients: clients.map((c) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...c,
  })),
  claims: {
    openid: ['sub'],
    profile: ['name', 'personal_number', 'email', 'groups'],
    email: ['email'],
  },
  // Brokers put the identity in the ID token itself; the client must not need /userinfo.
  conformIdTokenClaims: false,
  pkce: { required: () => false },
  features: { devInteractions: { enabled: true } },
  // Consent is implied: both clients are the municipality's own applications.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email');
    await grant.save();
    return grant;
  },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return claimsFor(id); } };
  },
  cookies: { keys: ['kundval-test-oidc-cookie-key'] },
});
provider.proxy = false;

provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening on ${issuer}\n`);
});
