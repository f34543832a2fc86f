import { describe, expect, it } from "vitest"
import { startTestSandbox } from "../../support/sandbox.js"
import { makeServer, type TestServer } from "./helpers.js"

/**
 * IPAM as Infrahub computes it: the prefix hierarchy (`parent`, `children`, `is_top_level`), an
 * address's `ip_prefix`, the derived prefix fields and `utilization`, kept current on create, update
 * and delete, separately on each branch, and put right again after a merge.
 */

const PREFIX_FIELDS = `prefix { value } is_top_level { value } parent { node { display_label } } children { count } ip_addresses { count }`

const prefixes = (server: TestServer, branch?: string) => {
  const data = server.ok(`query { IpamPrefix { edges { node { ${PREFIX_FIELDS} } } } }`, branch === undefined ? {} : { branch })
  const page = data["IpamPrefix"] as { edges: ReadonlyArray<{ node: Record<string, { value?: unknown; node?: { display_label: string } | null; count?: number }> }> }
  return Object.fromEntries(
    page.edges.map(({ node }) => [
      String(node["prefix"]?.value),
      {
        parent: node["parent"]?.node?.display_label ?? null,
        top: node["is_top_level"]?.value,
        children: node["children"]?.count,
        addresses: node["ip_addresses"]?.count
      }
    ])
  )
}

const prefixOf = (server: TestServer, address: string, branch?: string): string | null => {
  const data = server.ok(`query { IpamIPAddress(address__value: "${address}") { edges { node { ip_prefix { node { display_label } } } } } }`, branch === undefined ? {} : { branch })
  const edges = (data["IpamIPAddress"] as { edges: ReadonlyArray<{ node: { ip_prefix: { node: { display_label: string } | null } } }> }).edges
  return edges[0]?.node.ip_prefix.node?.display_label ?? null
}

const create = (server: TestServer, kind: "IpamPrefix" | "IpamIPAddress", value: string, extra = "", branch?: string): string => {
  const field = kind === "IpamPrefix" ? "prefix" : "address"
  // The recorded dump's IpamPrefix has a mandatory `status`.
  const status = kind === "IpamPrefix" ? `status: {value: "active"}` : ""
  const data = server.ok(`mutation { ${kind}Create(data: {${field}: {value: "${value}"} ${status} ${extra}}) { object { id } } }`, branch === undefined ? {} : { branch })
  return (data[`${kind}Create`] as { object: { id: string } }).object.id
}

describe("IPAM hierarchy", () => {
  it("places prefixes and addresses under the most specific containing prefix, whatever the creation order", () => {
    const server = makeServer()
    create(server, "IpamIPAddress", "10.0.1.5/24")
    create(server, "IpamPrefix", "10.0.1.0/24")
    create(server, "IpamPrefix", "10.0.0.0/8")
    create(server, "IpamPrefix", "10.0.0.0/16")
    create(server, "IpamPrefix", "192.168.0.0/16")
    expect(prefixes(server)).toEqual({
      "10.0.0.0/8": { parent: null, top: true, children: 1, addresses: 0 },
      "10.0.0.0/16": { parent: "10.0.0.0/8", top: false, children: 1, addresses: 0 },
      "10.0.1.0/24": { parent: "10.0.0.0/16", top: false, children: 0, addresses: 1 },
      "192.168.0.0/16": { parent: null, top: true, children: 0, addresses: 0 }
    })
    // "Which prefix holds 10.0.1.5?": the /24, and filters over the computed relationship work too.
    expect(prefixOf(server, "10.0.1.5/24")).toBe("10.0.1.0/24")
    expect(server.ok(`query { IpamIPAddress(ip_prefix__prefix__value: "10.0.1.0/24") { count } }`)).toEqual({ IpamIPAddress: { count: 1 } })
    expect(server.ok(`query { IpamPrefix(is_top_level__value: true) { count } }`)).toEqual({ IpamPrefix: { count: 2 } })
    const descendants = server.ok(`query { IpamPrefix(prefix__value: "10.0.0.0/8") { edges { node { descendants { count } } } } }`)
    expect(descendants).toEqual({ IpamPrefix: { edges: [{ node: { descendants: { count: 2 } } }] } })
  })

  it("an address belongs to a prefix no longer than its own prefix length (Infrahub's rule)", () => {
    const server = makeServer()
    create(server, "IpamPrefix", "10.0.0.0/24")
    create(server, "IpamPrefix", "10.0.0.0/26")
    create(server, "IpamIPAddress", "10.0.0.1/24")
    create(server, "IpamIPAddress", "10.0.0.2/32")
    expect(prefixOf(server, "10.0.0.1/24")).toBe("10.0.0.0/24")
    expect(prefixOf(server, "10.0.0.2/32")).toBe("10.0.0.0/26")
  })

  it("re-parents on update and delete", () => {
    const server = makeServer()
    const wide = create(server, "IpamPrefix", "10.0.0.0/16")
    const narrow = create(server, "IpamPrefix", "10.0.1.0/24")
    create(server, "IpamIPAddress", "10.0.1.7/24")
    create(server, "IpamIPAddress", "10.0.2.7/24")
    expect(prefixOf(server, "10.0.2.7/24")).toBe("10.0.0.0/16")
    // Moving the /24 elsewhere hands its address back to the /16 and takes the other one.
    server.ok(`mutation { IpamPrefixUpdate(data: {id: "${narrow}", prefix: {value: "10.0.2.0/24"}}) { ok } }`)
    expect(prefixOf(server, "10.0.1.7/24")).toBe("10.0.0.0/16")
    expect(prefixOf(server, "10.0.2.7/24")).toBe("10.0.2.0/24")
    // Deleting the /16 makes the /24 top level; its address goes with nothing above.
    server.ok(`mutation { IpamPrefixDelete(data: {id: "${wide}"}) { ok } }`)
    expect(prefixes(server)).toEqual({ "10.0.2.0/24": { parent: null, top: true, children: 0, addresses: 1 } })
    expect(prefixOf(server, "10.0.1.7/24")).toBeNull()
  })

  it("keeps each branch's hierarchy to itself until a merge, then recomputes it on main", () => {
    const server = makeServer()
    create(server, "IpamPrefix", "10.0.0.0/8")
    create(server, "IpamIPAddress", "10.0.1.5/24")
    server.ok(`mutation { BranchCreate(data: {name: "ipam-work", sync_with_git: false}) { ok } }`)
    create(server, "IpamPrefix", "10.0.1.0/24", "", "ipam-work")
    expect(prefixOf(server, "10.0.1.5/24", "ipam-work")).toBe("10.0.1.0/24")
    expect(prefixOf(server, "10.0.1.5/24")).toBe("10.0.0.0/8")
    // Meanwhile main gets a /16 the branch does not know about.
    create(server, "IpamPrefix", "10.0.0.0/16")
    server.ok(`mutation { BranchMerge(data: {name: "ipam-work"}) { ok } }`)
    expect(prefixes(server)).toEqual({
      "10.0.0.0/8": { parent: null, top: true, children: 1, addresses: 0 },
      "10.0.0.0/16": { parent: "10.0.0.0/8", top: false, children: 1, addresses: 0 },
      "10.0.1.0/24": { parent: "10.0.0.0/16", top: false, children: 0, addresses: 1 }
    })
  })

  it("keeps namespaces apart", () => {
    const server = makeServer()
    const data = server.ok(`mutation { IpamNamespaceCreate(data: {name: {value: "lab"}}) { object { id } } }`)
    const lab = (data["IpamNamespaceCreate"] as { object: { id: string } }).object.id
    create(server, "IpamPrefix", "10.0.0.0/8", `ip_namespace: {id: "${lab}"}`)
    create(server, "IpamIPAddress", "10.0.1.5/24")
    expect(prefixOf(server, "10.0.1.5/24")).toBeNull()
  })
})

describe("IPAM values computed when read", () => {
  it("serves netmask, hostmask, network and broadcast addresses, and utilization as Infrahub rounds it", () => {
    const server = makeServer()
    create(server, "IpamPrefix", "10.0.0.0/22", `member_type: {value: "prefix"}`)
    create(server, "IpamPrefix", "10.0.0.0/24")
    create(server, "IpamPrefix", "10.0.1.0/25")
    create(server, "IpamPrefix", "2001:db8::/64")
    for (const host of [1, 2, 3]) create(server, "IpamIPAddress", `10.0.0.${host}/24`)
    create(server, "IpamIPAddress", "2001:db8::1/64")
    const data = server.ok(`query { IpamPrefix { edges { node { prefix { value } netmask { value } hostmask { value } network_address { value } broadcast_address { value } utilization { value } } } } }`)
    const rows = (data["IpamPrefix"] as { edges: ReadonlyArray<{ node: Record<string, { value: unknown }> }> }).edges.map(({ node }) =>
      Object.fromEntries(Object.entries(node).map(([key, field]) => [key, field.value]))
    )
    expect(rows).toEqual([
      // /22 of member type prefix: a /24 and a /25 cover 384 of 1 024 addresses = 37.5 % → 37.
      { prefix: "10.0.0.0/22", netmask: "255.255.252.0", hostmask: "0.0.3.255", network_address: "10.0.0.0", broadcast_address: "10.0.3.255", utilization: 37 },
      // /24 of member type address: 3 addresses of 254 usable = 1.18 % → 1.
      { prefix: "10.0.0.0/24", netmask: "255.255.255.0", hostmask: "0.0.0.255", network_address: "10.0.0.0", broadcast_address: "10.0.0.255", utilization: 1 },
      { prefix: "10.0.1.0/25", netmask: "255.255.255.128", hostmask: "0.0.0.127", network_address: "10.0.1.0", broadcast_address: "10.0.1.127", utilization: 0 },
      // IPv6 spaces are counted exactly: 1 of 2^64 addresses truncates to 0.
      { prefix: "2001:db8::/64", netmask: "ffff:ffff:ffff:ffff::", hostmask: "::ffff:ffff:ffff:ffff", network_address: "2001:db8::", broadcast_address: "2001:db8::ffff:ffff:ffff:ffff", utilization: 0 }
    ])
  })
})

describe("IPAM on the demo data (npm start)", () => {
  it("answers which prefix holds an address, and the nesting of the demo prefixes", async () => {
    const sandbox = await startTestSandbox({})
    try {
      const answer = await sandbox.graphql(`query {
        address: IpamIPAddress(address__value: "10.100.1.11/24") { edges { node { ip_prefix { node { display_label } } } } }
        supernet: IpamPrefix(prefix__value: "10.0.0.0/8") { edges { node { is_top_level { value } children { edges { node { display_label } } } } } }
        site: IpamPrefix(prefix__value: "10.1.1.0/24") { edges { node { parent { node { display_label } } utilization { value } ip_addresses { count } } } }
      }`)
      expect(answer.errors).toBeUndefined()
      expect(answer.data).toEqual({
        address: { edges: [{ node: { ip_prefix: { node: { display_label: "10.100.1.0/24" } } } }] },
        supernet: {
          edges: [{ node: { is_top_level: { value: true }, children: { edges: [{ node: { display_label: "10.1.0.0/16" } }, { node: { display_label: "10.100.0.0/16" } }] } } }]
        },
        // Two /31 addresses of 254 usable: 0.79 % → 0.
        site: { edges: [{ node: { parent: { node: { display_label: "10.1.0.0/16" } }, utilization: { value: 0 }, ip_addresses: { count: 2 } } }] }
      })
    } finally {
      await sandbox.close()
    }
  })
})
