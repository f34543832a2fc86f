import { encode } from "@toon-format/toon"

/** Compact JSON (no spaces): the cheapest faithful text for maps and small objects. */
export const compactJson = (value: unknown): string => JSON.stringify(value)

/** TOON: CSV-like rows under a `name[N]{fields}:` header; far fewer tokens than JSON for tables. */
export const toon = (value: unknown): string => encode(value)
