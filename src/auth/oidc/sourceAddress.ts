/**
 * Where a request comes from, for the per-source flood bounds. The socket's peer address, unless
 * that peer is a configured reverse proxy: then the nearest `X-Forwarded-For` hop that is not one
 * of ours. `X-Forwarded-For` from anybody else is ignored (a client can write anything there).
 * IPv6 sources count per /64, the block one subscriber usually holds.
 */
import { BlockList, isIP } from "node:net"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Option from "effect/Option"

/** `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `prefix/n`; `undefined` when it is none of these. */
export const parseAddressRange = (raw: string): { readonly address: string; readonly prefix: number | undefined; readonly family: "ipv4" | "ipv6" } | undefined => {
  const [address = "", bits, extra] = raw.trim().split("/")
  const version = isIP(address)
  if (version === 0 || extra !== undefined) return undefined
  const family = version === 4 ? "ipv4" : "ipv6"
  if (bits === undefined) return { address, prefix: undefined, family }
  const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN
  return prefix >= 0 && prefix <= (version === 4 ? 32 : 128) ? { address, prefix, family } : undefined
}

/** The trusted reverse proxies as a `BlockList`; entries must already be valid (see `parseAddressRange`). */
export const trustedProxyList = (entries: ReadonlyArray<string>): BlockList => {
  const list = new BlockList()
  for (const entry of entries) {
    const range = parseAddressRange(entry)
    if (range === undefined) continue
    if (range.prefix === undefined) list.addAddress(range.address, range.family)
    else list.addSubnet(range.address, range.prefix, range.family)
  }
  return list
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is `1.2.3.4`. */
const unmapped = (address: string): string => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return mapped?.[1] ?? address
}

/** The first four groups of an IPv6 address: its /64. */
const ipv6Block = (address: string): string => {
  const [head = "", tail] = address.toLowerCase().split("::")
  const left = head === "" ? [] : head.split(":")
  const right = tail === undefined || tail === "" ? [] : tail.split(":")
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, "")).join(":")}::/64`
}

const sourceKey = (address: string): string => (isIP(address) === 6 ? ipv6Block(address) : address)

const isTrusted = (list: BlockList, address: string): boolean => {
  const version = isIP(address)
  return version !== 0 && list.check(address, version === 4 ? "ipv4" : "ipv6")
}

/** The flood-bound key of the request's source: an IPv4 address or an IPv6 /64. */
export const requestSource = (request: HttpServerRequest.HttpServerRequest, trustedProxies: Option.Option<BlockList>): string => {
  const peer = unmapped(Option.getOrElse(request.remoteAddress, () => "unknown"))
  if (Option.isNone(trustedProxies) || !isTrusted(trustedProxies.value, peer)) return sourceKey(peer)
  const hops = (request.headers["x-forwarded-for"] ?? "").split(",").map((hop) => unmapped(hop.trim()))
  // Walk back from the hop our proxy added; the first address that is not a proxy of ours is the client.
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = hops[index] ?? ""
    if (isIP(hop) === 0) break // a malformed hop: nothing before it can be trusted
    if (!isTrusted(trustedProxies.value, hop)) return sourceKey(hop)
  }
  return sourceKey(peer)
}
