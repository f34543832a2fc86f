/**
 * A small Jinja2 subset for Infrahub's `display_label` templates and Jinja2 computed attributes,
 * e.g. `{{ role__value }}{{ '%03d' % role_id__value }}-{{ location__shortname__value }}`.
 * Supported: variables (schema paths), string/number literals, Python `%` formatting, `~` and `+`,
 * parentheses and the filters lower, upper, title, trim, string, default. Anything else throws,
 * so an unsupported template fails loudly instead of rendering something Infrahub would not.
 */

type Token =
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "number"; readonly value: number }
  | { readonly type: "name"; readonly value: string }
  | { readonly type: "op"; readonly value: string }

const tokenize = (source: string): Array<Token> => {
  const tokens: Array<Token> = []
  let index = 0
  while (index < source.length) {
    const char = source[index] ?? ""
    if (/\s/.test(char)) {
      index += 1
    } else if (char === "'" || char === '"') {
      const end = source.indexOf(char, index + 1)
      if (end < 0) throw new Error(`Unterminated string in template expression: ${source}`)
      tokens.push({ type: "string", value: source.slice(index + 1, end) })
      index = end + 1
    } else if (/\d/.test(char)) {
      const match = /^\d+(\.\d+)?/.exec(source.slice(index))?.[0] ?? char
      tokens.push({ type: "number", value: Number(match) })
      index += match.length
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(index))?.[0] ?? char
      tokens.push({ type: "name", value: match })
      index += match.length
    } else if ("%~+|(),".includes(char)) {
      tokens.push({ type: "op", value: char })
      index += 1
    } else {
      throw new Error(`Unsupported character '${char}' in template expression: ${source}`)
    }
  }
  return tokens
}

const pyText = (value: unknown): string => {
  if (value === null || value === undefined) return "None"
  if (value === true) return "True"
  if (value === false) return "False"
  return String(value)
}

const percentFormat = (format: string, argument: unknown): string => {
  const args = Array.isArray(argument) ? [...argument] : [argument]
  const result = format.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([sdifxXr%])/g, (_all, flags: string, widthText?: string, precision?: string, conversion?: string) => {
    if (conversion === "%") return "%"
    if (args.length === 0) throw new Error("not enough arguments for format string")
    const value = args.shift()
    let text: string
    if (conversion === "d" || conversion === "i") {
      if (typeof value !== "number") throw new Error(`%${conversion} format: a real number is required, not ${typeof value}`)
      text = String(Math.trunc(value))
    } else if (conversion === "f") {
      if (typeof value !== "number") throw new Error("%f format: a real number is required")
      text = value.toFixed(precision === undefined ? 6 : Number(precision))
    } else if (conversion === "x" || conversion === "X") {
      if (typeof value !== "number") throw new Error("%x format: an integer is required")
      text = Math.trunc(value).toString(16)
      if (conversion === "X") text = text.toUpperCase()
    } else {
      text = pyText(value)
    }
    const width = widthText === undefined ? 0 : Number(widthText)
    if (text.length >= width) return text
    if (flags.includes("-")) return text.padEnd(width, " ")
    if (flags.includes("0") && conversion !== "s") {
      const negative = text.startsWith("-")
      return (negative ? "-" : "") + text.slice(negative ? 1 : 0).padStart(width - (negative ? 1 : 0), "0")
    }
    return text.padStart(width, " ")
  })
  if (args.length > 0) throw new Error("not all arguments converted during string formatting")
  return result
}

const filters: Record<string, (value: unknown, args: ReadonlyArray<unknown>) => unknown> = {
  lower: (value) => pyText(value).toLowerCase(),
  upper: (value) => pyText(value).toUpperCase(),
  title: (value) => pyText(value).toLowerCase().replace(/\b\w/g, (letter) => letter.toUpperCase()),
  trim: (value) => pyText(value).trim(),
  string: (value) => pyText(value),
  default: (value, args) => (value === undefined || value === null ? args[0] : value)
}

class Parser {
  private position = 0
  constructor(
    private readonly tokens: ReadonlyArray<Token>,
    private readonly resolve: (path: string) => unknown
  ) {}

  parse(): unknown {
    const value = this.concat()
    if (this.position < this.tokens.length) throw new Error("Unexpected token in template expression")
    return value
  }

  private peek(): Token | undefined {
    return this.tokens[this.position]
  }

  private isOp(value: string): boolean {
    const token = this.peek()
    return token?.type === "op" && token.value === value
  }

  private concat(): unknown {
    let value = this.modulo()
    while (this.isOp("~") || this.isOp("+")) {
      const op = this.peek()?.value
      this.position += 1
      const right = this.modulo()
      value =
        op === "+" && typeof value === "number" && typeof right === "number" ? value + right : pyText(value) + pyText(right)
    }
    return value
  }

  private modulo(): unknown {
    let value = this.filtered()
    while (this.isOp("%")) {
      this.position += 1
      const right = this.filtered()
      if (typeof value !== "string") throw new Error("Only string % formatting is supported in templates")
      value = percentFormat(value, right)
    }
    return value
  }

  private filtered(): unknown {
    let value = this.primary()
    while (this.isOp("|")) {
      this.position += 1
      const name = this.peek()
      if (name?.type !== "name") throw new Error("Expected a filter name after '|'")
      this.position += 1
      const filter = filters[name.value]
      if (filter === undefined) throw new Error(`Unsupported template filter '${name.value}'`)
      const args: Array<unknown> = []
      if (this.isOp("(")) {
        this.position += 1
        while (!this.isOp(")")) {
          args.push(this.concat())
          if (this.isOp(",")) this.position += 1
          else if (!this.isOp(")")) throw new Error("Expected ',' or ')' in filter arguments")
        }
        this.position += 1
      }
      value = filter(value, args)
    }
    return value
  }

  private primary(): unknown {
    const token = this.peek()
    if (token === undefined) throw new Error("Unexpected end of template expression")
    this.position += 1
    if (token.type === "string" || token.type === "number") return token.value
    if (token.type === "name") {
      if (token.value === "None" || token.value === "none") return null
      if (token.value === "True" || token.value === "true") return true
      if (token.value === "False" || token.value === "false") return false
      return this.resolve(token.value)
    }
    if (token.value === "(") {
      const values: Array<unknown> = [this.concat()]
      while (this.isOp(",")) {
        this.position += 1
        values.push(this.concat())
      }
      if (!this.isOp(")")) throw new Error("Expected ')' in template expression")
      this.position += 1
      return values.length === 1 ? values[0] : values
    }
    throw new Error(`Unexpected '${token.value}' in template expression`)
  }
}

export const isTemplate = (text: string): boolean => text.includes("{{") || text.includes("{%")

/** The variables (schema paths) a template reads. */
export const templateVariables = (template: string): ReadonlyArray<string> => {
  const names = new Set<string>()
  for (const match of template.matchAll(/\{\{(.*?)\}\}/gs)) {
    for (const token of tokenize(match[1] ?? "")) {
      if (token.type === "name" && !Object.hasOwn(filters, token.value) && !/^(None|none|True|true|False|false)$/.test(token.value)) {
        names.add(token.value)
      }
    }
  }
  return [...names]
}

/** Renders a template; throws on unsupported syntax or a failing expression (e.g. `'%d' % None`). */
export const renderTemplate = (template: string, resolve: (path: string) => unknown): string => {
  if (template.includes("{%")) throw new Error("Template statements ({% ... %}) are not supported by the sandbox")
  return template.replace(/\{\{(.*?)\}\}/gs, (_all, expression: string) => {
    const value = new Parser(tokenize(expression), resolve).parse()
    return value === undefined ? "" : pyText(value)
  })
}
