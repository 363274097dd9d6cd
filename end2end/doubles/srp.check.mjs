// Checks the SRP double's server half (srp.mjs) against Amazon's own client,
// amazon-cognito-identity-js's AuthenticationHelper (npm; nobody here wrote it): a user's
// password proof and a device's — its verifier made by that library as ConfirmDevice sends it —
// are accepted, a wrong password or device password is refused, and TIMESTAMP's format is
// Cognito's on single-digit days. Run by scripts/test (`node doubles/srp.check.mjs`); exits 1
// on the first difference.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import pkg from "amazon-cognito-identity-js";
import BigIntegerModule from "amazon-cognito-identity-js/lib/BigInteger.js";
import DateHelperModule from "amazon-cognito-identity-js/lib/DateHelper.js";
import { TIMESTAMP, exchange, newSalt, proves, verifier } from "./srp.mjs";

const { AuthenticationHelper } = pkg;
// CommonJS modules of the library: their default export.
const BigInteger = BigIntegerModule.default ?? BigIntegerModule;
const DateHelper = DateHelperModule.default ?? DateHelperModule;
const POOL_NAME = "Srp1Pool";
const USER = "7c2f1e9a-0b5d-4c3e-9f1a-2d4b6c8e0a13";
const PASSWORD = "Correct-Horse-9";

const call = (fn) => new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

/** Amazon's client half of one exchange: A, then the claim for the server's challenge. */
async function claim(helper, name, secret, challenge, prefix) {
  const key = await call((done) =>
    helper.getPasswordAuthenticationKey(name, secret, new BigInteger(challenge.SRP_B, 16), new BigInteger(challenge.SALT, 16), done),
  );
  const timestamp = new DateHelper().getNowString();
  const signature = createHmac("sha256", key)
    .update(Buffer.concat([Buffer.from(`${prefix}${name}`, "utf8"), Buffer.from(challenge.SECRET_BLOCK, "base64"), Buffer.from(timestamp, "utf8")]))
    .digest("base64");
  return { timestamp, signature };
}

/** The double's challenge for `helper`'s A against the verifier v (as initiateAuth makes it). */
async function challengeFor(helper, v, salt) {
  const a = await call((done) => helper.getLargeAValue(done));
  const srp = exchange(a.toString(16), v);
  assert.ok(srp, "A is accepted");
  return { srp, SRP_B: srp.B.toString(16), SALT: salt.toString("hex"), SECRET_BLOCK: srp.block.toString("base64") };
}

let checks = 0;

// A user's password, many times over (fresh a, b and salt each: a leading zero or a top bit in
// A, B, S or u is padded by both sides alike, or one of the runs fails).
for (let run = 0; run < 16; run++) {
  const salt = newSalt();
  const v = verifier(POOL_NAME, USER, PASSWORD, salt);
  const helper = new AuthenticationHelper(POOL_NAME);
  const challenge = await challengeFor(helper, v, salt);
  const { timestamp, signature } = await claim(helper, USER, PASSWORD, challenge, POOL_NAME);
  assert.match(timestamp, TIMESTAMP);
  assert.ok(proves(challenge.srp, POOL_NAME, USER, timestamp, signature), `run ${run}: the right password`);
  checks++;
  const wrongHelper = new AuthenticationHelper(POOL_NAME);
  const wrong = await challengeFor(wrongHelper, v, salt);
  const refused = await claim(wrongHelper, USER, "Wrong-Horse-9", wrong, POOL_NAME);
  assert.ok(!proves(wrong.srp, POOL_NAME, USER, refused.timestamp, refused.signature), `run ${run}: a wrong password`);
  checks++;
}

// A device: the verifier and salt as amazon-cognito-identity-js makes them for ConfirmDevice,
// then its DEVICE_PASSWORD_VERIFIER proof.
for (let run = 0; run < 4; run++) {
  const groupKey = "-Hq3UuPzY";
  const deviceKey = `eu-west-1_5d7d8f0c-4a3b-4f6e-9b0a-1c2d3e4f5a${String(run).padStart(2, "0")}`;
  const maker = new AuthenticationHelper(POOL_NAME);
  await call((done) => maker.generateHashDevice(groupKey, deviceKey, done));
  const sent = {
    PasswordVerifier: Buffer.from(maker.getVerifierDevices(), "hex").toString("base64"),
    Salt: Buffer.from(maker.getSaltDevices(), "hex").toString("base64"),
  };
  // What the double keeps of ConfirmDevice (cognito-srp.mjs, confirmDevice).
  const v = BigInt(`0x${Buffer.from(sent.PasswordVerifier, "base64").toString("hex")}`);
  const salt = Buffer.from(sent.Salt, "base64");
  const device = new AuthenticationHelper(groupKey);
  const challenge = await challengeFor(device, v, salt);
  const { timestamp, signature } = await claim(device, deviceKey, maker.getRandomPassword(), challenge, groupKey);
  assert.ok(proves(challenge.srp, groupKey, deviceKey, timestamp, signature), `device run ${run}: its password`);
  checks++;
  const other = new AuthenticationHelper(groupKey);
  const again = await challengeFor(other, v, salt);
  const forged = await claim(other, deviceKey, "not the device password", again, groupKey);
  assert.ok(!proves(again.srp, groupKey, deviceKey, forged.timestamp, forged.signature), `device run ${run}: another password`);
  checks++;
}

// TIMESTAMP on a single-digit day, as Amazon's client writes it.
const helper = new DateHelper();
const realNow = Date.now;
Date.now = () => Date.UTC(2026, 11, 7, 9, 5, 3);
const RealDate = Date;
globalThis.Date = class extends RealDate {
  constructor(...args) {
    super(...(args.length ? args : [RealDate.UTC(2026, 11, 7, 9, 5, 3)]));
  }
};
const early = helper.getNowString();
globalThis.Date = RealDate;
Date.now = realNow;
assert.equal(early, "Mon Dec 7 09:05:03 UTC 2026");
assert.match(early, TIMESTAMP);
checks++;

console.log(`srp.check: ${checks} checks against amazon-cognito-identity-js passed`);
