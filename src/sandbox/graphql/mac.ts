/** The derived fields of Infrahub's `MacAddress` type (netaddr's EUI dialects). */

export const parseMac = (value: string): string | undefined => {
  const digits = value.replace(/[-:.\s]/g, "")
  if (!/^[0-9a-fA-F]+$/.test(digits) || (digits.length !== 12 && digits.length !== 16)) return undefined
  return digits.toUpperCase()
}

const groups = (digits: string, size: number): Array<string> => digits.match(new RegExp(`.{1,${size}}`, "g")) ?? []

export const macFields = (value: string) => {
  const digits = parseMac(value)
  if (digits === undefined) return undefined
  const lower = digits.toLowerCase()
  const eui64 = digits.length === 16 ? digits : `${digits.slice(0, 6)}FFFE${digits.slice(6)}`
  return {
    oui: groups(digits.slice(0, 6), 2).join("-"),
    ei: groups(digits.slice(6), 2).join("-"),
    version: digits.length === 12 ? 48 : 64,
    binary: `0b${BigInt(`0x${digits}`).toString(2).padStart(digits.length * 4, "0")}`,
    eui48: digits.length === 12 ? groups(digits, 2).join("-") : null,
    eui64: groups(eui64, 2).join("-"),
    bare: digits,
    dot_notation: groups(lower, 4).join("."),
    semicolon_notation: groups(lower, 2).join(":"),
    split_notation: `${lower.slice(0, 6)}:${lower.slice(6)}`
  }
}
