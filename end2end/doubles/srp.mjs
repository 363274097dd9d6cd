// The server's half of Cognito's SRP-6a, for the test double (cognito-srp.mjs): written from the
// protocol as Cognito runs it — RFC 5054's 3072-bit group, g = 2, k = H(N | g),
// u = H(A | B), S = (A · v^u)^b, the key HKDF(u, S, "Caldera Derived Key") cut to 16 bytes, and
// the claim HMAC(key, name | id | secret block | timestamp) — where numbers are hashed as
// Cognito's `padHex` writes them (big-endian, a 0 byte in front when the top bit is set).
//
// The exponentiations are OpenSSL's (Node's Diffie-Hellman: `computeSecret` is X^e mod N);
// products and sums are JavaScript's own BigInt. Nothing here is a hand-made bignum. It is
// checked against Amazon's own client (amazon-cognito-identity-js) by srp.check.mjs.

import { createDiffieHellman, createHash, createHmac, randomBytes } from "node:crypto";

export const N = BigInt(
  "0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);
const G = 2n;

/** Cognito's `padHex`: even-length hex, with "00" in front when the top bit is set. */
export function padHex(n) {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return /^[89a-f]/i.test(hex) ? `00${hex}` : hex;
}

const bytes = (n) => Buffer.from(padHex(n), "hex");
const sha256 = (...parts) => createHash("sha256").update(Buffer.concat(parts)).digest();
const toBig = (buffer) => BigInt(`0x${Buffer.from(buffer).toString("hex") || "0"}`);

/** base^exp mod N, by OpenSSL. */
function modPow(base, exp) {
  const dh = createDiffieHellman(bytes(N), Buffer.from([2]));
  dh.setPrivateKey(bytes(exp));
  return toBig(dh.computeSecret(bytes(base % N)));
}

const K = toBig(sha256(bytes(N), bytes(G)));

/**
 * The verifier Cognito keeps for a password: v = g^x, x = H(salt | H(prefix | name | ":" | secret)).
 * For a user, prefix is the pool's name (after the region's "_") and name the internal username;
 * for a device, prefix is the device group key and name the device key (ConfirmDevice sends v).
 */
export function verifier(prefix, name, secret, salt) {
  // The salt as the client hashes it: the number the hex SALT names, written by padHex.
  const x = toBig(sha256(bytes(toBig(salt)), sha256(Buffer.from(`${prefix}${name}:${secret}`, "utf8"))));
  return modPow(G, x);
}

/** The server's side of one exchange for `A` (hex) and the verifier `v`; undefined for a bad A. */
export function exchange(srpA, v) {
  const A = BigInt(`0x${srpA}`);
  if (A % N === 0n) return undefined;
  const b = toBig(randomBytes(128));
  const B = (K * v + modPow(G, b)) % N;
  return { A, B, b, v, block: randomBytes(64) };
}

/** A user's salt: 16 random bytes, the first not 0 (a leading zero byte would read as a shorter
 * number than the bytes hashed); one with its top bit set is padded by every client alike. */
export function newSalt() {
  const salt = randomBytes(16);
  salt[0] = 1 + (salt[0] % 255);
  return salt;
}

/** Cognito's SRP_B as it sends it: hex. */
export const hex = (n) => n.toString(16);

/**
 * Whether `signature` (base64) proves the secret behind `v`: HMAC(key, prefix | name | block |
 * timestamp) with the key both sides derive from S.
 */
export function proves({ A, B, b, v, block }, prefix, name, timestamp, signature) {
  const u = toBig(sha256(bytes(A), bytes(B)));
  if (u === 0n) return false;
  const S = modPow((A * modPow(v, u)) % N, b);
  const prk = createHmac("sha256", bytes(u)).update(bytes(S)).digest();
  const key = createHmac("sha256", prk)
    .update(Buffer.concat([Buffer.from("Caldera Derived Key", "utf8"), Buffer.from([1])]))
    .digest()
    .subarray(0, 16);
  const expected = createHmac("sha256", key)
    .update(Buffer.concat([Buffer.from(`${prefix}${name}`, "utf8"), block, Buffer.from(timestamp, "utf8")]))
    .digest("base64");
  return expected === signature;
}

/** Cognito's TIMESTAMP: `Mon Dec 7 09:05:03 UTC 2026` (the day without a leading zero). */
export const TIMESTAMP = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [1-9]\d? \d\d:\d\d:\d\d UTC \d{4}$/;
