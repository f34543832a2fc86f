import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto"

/** 256 random bits, base64url: transaction ids, codes, refresh tokens, CSRF tokens, PKCE verifiers. */
export const randomToken = (): string => randomBytes(32).toString("base64url")

/** The RFC 7636 S256 transform of a PKCE verifier. */
export const s256 = (verifier: string): string => createHash("sha256").update(verifier).digest("base64url")

/**
 * Codes and refresh tokens are stored under their hash, so a heap dump holds nothing that can be
 * presented at the token endpoint.
 */
export const hashToken = (token: string): string => createHash("sha256").update(token).digest("base64url")

export const hmac = (key: Uint8Array, label: string, value: string): string =>
  createHmac("sha256", key).update(label).update("\u0000").update(value).digest("base64url")

/** Constant-time string comparison (lengths are not secret here). */
export const safeEqual = (a: string, b: string): boolean => {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/** RFC 7636 §4.1: 43–128 characters from the unreserved set. */
export const isPkceVerifier = (value: string): boolean => /^[A-Za-z0-9\-._~]{43,128}$/.test(value)

/** An S256 challenge is the base64url of a SHA-256 digest: exactly 43 characters. */
export const isS256Challenge = (value: string): boolean => /^[A-Za-z0-9\-_]{43}$/.test(value)
