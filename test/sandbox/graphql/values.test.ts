import { describe, expect, it } from "vitest"
import { formatAddress, ipFields, parseInterface, parseNetwork } from "../../../src/sandbox/graphql/ip.js"
import { renderTemplate, templateVariables } from "../../../src/sandbox/graphql/template.js"

/** The pure helpers behind IP attributes and Jinja2 templates, checked against Python's behaviour. */

const canonical = (text: string): string | undefined => {
  const value = parseInterface(text)
  return value === undefined ? undefined : `${formatAddress(value.version, value.address)}/${value.prefixlen}`
}

describe("IP values", () => {
  it.each([
    ["10.0.0.1", "10.0.0.1/32"],
    ["10.0.0.1/255.255.255.0", "10.0.0.1/24"],
    ["2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329/128"],
    ["::1/64", "::1/64"],
    ["::", "::/128"],
    ["1:0:0:1:0:0:0:1", "1:0:0:1::1/128"],
    ["1:0:0:2:0:0:3:4", "1::2:0:0:3:4/128"],
  ])("normalizes %s like ipaddress.ip_interface", (text, expected) => {
    expect(canonical(text)).toBe(expected)
  })

  it.each(["10.0.0.256", "01.0.0.1", "1::2::3", "10.0.0.1/33", "host", "10.0.0.1/24/1"])("rejects %s", (text) => {
    expect(parseInterface(text)).toBeUndefined()
  })

  it("accepts networks only without host bits, and derives their fields", () => {
    expect(parseNetwork("10.0.0.1/24")).toBeUndefined()
    const network = parseNetwork("10.0.0.0/24")
    expect(network).toBeDefined()
    if (network === undefined) return
    expect(ipFields(network)).toMatchObject({
      broadcast_address: "10.0.0.255",
      hostmask: "0.0.0.255",
      netmask: "255.255.255.0",
      num_addresses: 256,
      with_netmask: "10.0.0.0/255.255.255.0",
      with_hostmask: "10.0.0.0/0.0.0.255",
      version: 4
    })
  })
})

describe("templates", () => {
  const values: Record<string, unknown> = { role__value: "core", role_id__value: 7, location__shortname__value: "atl1", missing__value: null }
  const resolve = (path: string): unknown => values[path]

  it("renders Infrahub's computed-attribute template for devices", () => {
    const template = "{{ role__value }}{{ '%03d' % role_id__value }}-{{ location__shortname__value }}"
    expect(renderTemplate(template, resolve)).toBe("core007-atl1")
    expect(templateVariables(template)).toEqual(["role__value", "role_id__value", "location__shortname__value"])
  })

  it("supports filters and concatenation, and prints None as Python does", () => {
    expect(renderTemplate("{{ role__value | upper ~ '-' ~ missing__value | default('n/a') }}", resolve)).toBe("CORE-n/a")
    expect(renderTemplate("{{ missing__value }}", resolve)).toBe("None")
  })

  it("fails on what it cannot render instead of guessing", () => {
    expect(() => renderTemplate("{{ '%d' % missing__value }}", resolve)).toThrow()
    expect(() => renderTemplate("{% if role__value %}x{% endif %}", resolve)).toThrow("not supported")
  })
})
