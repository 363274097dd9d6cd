// What the same API costs in Node with AWS's own verifier, aws-jwt-verify: GET /health and
// GET /api/me (RS256, issuer, token_use and client_id checked, JWKS cached), on node:http.
// scripts/bench-api runs it beside the app on the same tokens.
//
//   node aws-jwt-verify.mjs PORT JWKS_FILE ISSUER CLIENT_ID
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { JwtRsaVerifier } from "aws-jwt-verify";

const [port, jwksFile, issuer, clientId] = process.argv.slice(2);
// cognito-local's issuer is not an amazonaws.com URL, so CognitoJwtVerifier's own issuer
// check does not apply: the generic RSA verifier with Cognito's access-token rules instead.
const verifier = JwtRsaVerifier.create({
  issuer,
  audience: null,
  jwksUri: "http://unused.invalid/jwks.json",
  customJwtCheck: ({ payload }) => {
    if (payload.token_use !== "access") throw new Error("not an access token");
    if (payload.client_id !== clientId) throw new Error("another client");
  },
});
verifier.cacheJwks(JSON.parse(readFileSync(jwksFile, "utf8")));

createServer(async (req, res) => {
  if (req.url === "/health") {
    res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    return;
  }
  if (req.url !== "/api/me") {
    res.writeHead(404).end();
    return;
  }
  const header = req.headers.authorization ?? "";
  try {
    const payload = await verifier.verify(header.replace(/^Bearer /, ""));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(payload));
  } catch (e) {
    res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: String(e.message) }));
  }
}).listen(Number(port), "127.0.0.1");
