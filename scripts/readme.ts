import { fileURLToPath } from "node:url"

export const README_PATH = fileURLToPath(new URL("../README.md", import.meta.url))

const START = "<!-- config-reference:start -->"
const END = "<!-- config-reference:end -->"

/** The text between README's configuration-reference markers, trimmed. */
export const referenceBlock = (readme: string): string => {
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start < 0 || end < start) throw new Error("README.md has no config-reference markers")
  return readme.slice(start + START.length, end).trim()
}

export const replaceReferenceBlock = (readme: string, table: string): string => {
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start < 0 || end < start) throw new Error("README.md has no config-reference markers")
  return `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`
}
