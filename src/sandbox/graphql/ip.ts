/**
 * The slice of Python's `ipaddress` module Infrahub's IPHost / IPNetwork attributes rely on:
 * parsing (strict for networks: host bits must be zero), the canonical `with_prefixlen` form they
 * store, and the derived fields their GraphQL types expose.
 */

export interface IpValue {
  readonly version: 4 | 6
  readonly address: bigint
  readonly prefixlen: number
}

const width = (version: 4 | 6): number => (version === 4 ? 32 : 128)

const parseV4 = (text: string): bigint | undefined => {
  const parts = text.split(".")
  if (parts.length !== 4) return undefined
  let value = 0n
  for (const part of parts) {
    // Python rejects leading zeros ("01") as ambiguous octal.
    if (!/^\d{1,3}$/.test(part) || (part.length > 1 && part.startsWith("0"))) return undefined
    const octet = Number(part)
    if (octet > 255) return undefined
    value = (value << 8n) | BigInt(octet)
  }
  return value
}

const parseV6 = (text: string): bigint | undefined => {
  if (text.length === 0 || /[^0-9a-fA-F:.]/.test(text)) return undefined
  let head = text
  let tailV4: bigint | undefined
  const lastColon = text.lastIndexOf(":")
  if (text.slice(lastColon + 1).includes(".")) {
    tailV4 = parseV4(text.slice(lastColon + 1))
    if (tailV4 === undefined) return undefined
    head = `${text.slice(0, lastColon + 1)}0:0`
  }
  const doubleColon = head.split("::")
  if (doubleColon.length > 2) return undefined
  const toGroups = (section: string): Array<string> | undefined => (section === "" ? [] : section.split(":"))
  const left = toGroups(doubleColon[0] ?? "")
  const right = doubleColon.length === 2 ? toGroups(doubleColon[1] ?? "") : []
  if (left === undefined || right === undefined) return undefined
  const present = left.length + right.length
  if (doubleColon.length === 1 ? present !== 8 : present > 7) return undefined
  const groups = [...left, ...Array<string>(8 - present).fill("0"), ...right]
  let value = 0n
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined
    value = (value << 16n) | BigInt(parseInt(group, 16))
  }
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4
  return value
}

const parseAddress = (text: string): { version: 4 | 6; address: bigint } | undefined => {
  const v4 = parseV4(text)
  if (v4 !== undefined) return { version: 4, address: v4 }
  const v6 = parseV6(text)
  if (v6 !== undefined) return { version: 6, address: v6 }
  return undefined
}

const maskOf = (version: 4 | 6, prefixlen: number): bigint => {
  const bits = BigInt(width(version))
  const all = (1n << bits) - 1n
  return (all << (bits - BigInt(prefixlen))) & all
}

const parsePrefix = (version: 4 | 6, text: string | undefined): number | undefined => {
  if (text === undefined) return width(version)
  if (/^\d+$/.test(text)) {
    const length = Number(text)
    return length <= width(version) ? length : undefined
  }
  if (version !== 4) return undefined
  // IPv4 accepts a netmask ("255.255.255.0") or a hostmask ("0.0.0.255") after the slash.
  const mask = parseV4(text)
  if (mask === undefined) return undefined
  for (let length = 0; length <= 32; length++) {
    const netmask = maskOf(4, length)
    if (mask === netmask || mask === (~netmask & 0xffffffffn)) return length
  }
  return undefined
}

const split = (text: string): { address: string; prefix: string | undefined } | undefined => {
  const parts = text.split("/")
  if (parts.length > 2) return undefined
  return { address: parts[0] ?? "", prefix: parts[1] }
}

/** `ipaddress.ip_interface(text)`: an address with an optional prefix length (default /32, /128). */
export const parseInterface = (text: string): IpValue | undefined => {
  const pieces = split(text.trim() === text ? text : "")
  if (pieces === undefined) return undefined
  const address = parseAddress(pieces.address)
  if (address === undefined) return undefined
  const prefixlen = parsePrefix(address.version, pieces.prefix)
  if (prefixlen === undefined) return undefined
  return { ...address, prefixlen }
}

/** `ipaddress.ip_network(text)` (strict): host bits must be zero. */
export const parseNetwork = (text: string): IpValue | undefined => {
  const value = parseInterface(text)
  if (value === undefined) return undefined
  const network = value.address & maskOf(value.version, value.prefixlen)
  return network === value.address ? value : undefined
}

const formatV4 = (address: bigint): string =>
  [24n, 16n, 8n, 0n].map((shift) => String((address >> shift) & 0xffn)).join(".")

/** RFC 5952 text, as Python's `compressed`: the longest run (2+ groups) of zero groups becomes "::". */
const formatV6 = (address: bigint): string => {
  const groups = Array.from({ length: 8 }, (_, index) => Number((address >> BigInt((7 - index) * 16)) & 0xffffn))
  let bestStart = -1
  let bestLength = 0
  for (let index = 0; index < 8; ) {
    if (groups[index] !== 0) {
      index += 1
      continue
    }
    let end = index
    while (end < 8 && groups[end] === 0) end += 1
    if (end - index > bestLength) {
      bestStart = index
      bestLength = end - index
    }
    index = end
  }
  const hex = groups.map((group) => group.toString(16))
  if (bestLength < 2) return hex.join(":")
  const left = hex.slice(0, bestStart).join(":")
  const right = hex.slice(bestStart + bestLength).join(":")
  return `${left}::${right}`
}

export const formatAddress = (version: 4 | 6, address: bigint): string =>
  version === 4 ? formatV4(address) : formatV6(address)

const hostmaskOf = (value: IpValue): bigint => ~maskOf(value.version, value.prefixlen) & maskOf(value.version, width(value.version))

/** The derived fields of Infrahub's `IPHost` / `IPNetwork` GraphQL types. */
export const ipFields = (value: IpValue) => {
  const netmask = maskOf(value.version, value.prefixlen)
  const hostmask = hostmaskOf(value)
  const network = value.address & netmask
  const ip = formatAddress(value.version, value.address)
  return {
    ip,
    version: value.version,
    prefixlen: value.prefixlen,
    netmask: formatAddress(value.version, netmask),
    hostmask: formatAddress(value.version, hostmask),
    network_address: formatAddress(value.version, network),
    broadcast_address: formatAddress(value.version, network | hostmask),
    num_addresses: Number(1n << BigInt(width(value.version) - value.prefixlen)),
    with_prefixlen: `${ip}/${value.prefixlen}`,
    with_netmask: `${ip}/${formatAddress(value.version, netmask)}`,
    with_hostmask: `${ip}/${formatAddress(value.version, hostmask)}`,
    binary_address: network.toString(2).padStart(width(value.version), "0")
  }
}
