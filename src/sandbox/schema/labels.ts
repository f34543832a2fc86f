/** Python's `str.title()`: a letter is uppercased after a non-letter and lowercased after a letter. */
export const pythonTitle = (text: string): string => {
  let out = ""
  let previousCased = false
  for (const ch of text) {
    const cased = ch.toLowerCase() !== ch.toUpperCase()
    out += cased ? (previousCased ? ch.toLowerCase() : ch.toUpperCase()) : ch
    previousCased = cased
  }
  return out
}

/** Infrahub's `format_label`: `facility_id` → `Facility Id`, `NetworkDevice` → `Networkdevice`. */
export const formatLabel = (slug: string): string => slug.split("_").map(pythonTitle).join(" ")

/** How Python renders an optional string in an f-string (`None` when unset). */
export const pythonStr = (value: string | null): string => value ?? "None"
