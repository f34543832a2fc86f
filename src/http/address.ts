import type * as HttpServer from "@effect/platform/HttpServer"

/** `http://host:port` for a bound address, with IPv6 hosts in brackets (the platform's own helper omits them). */
export const formatAddress = (address: HttpServer.Address): string =>
  address._tag === "UnixAddress"
    ? `unix://${address.path}`
    : `http://${address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname}:${address.port}`
