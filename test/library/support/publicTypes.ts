// Finds the named types of ours that an entry point's public signatures use but the entry point does
// not export: a host can hold such a value but cannot write its type down.
import { join, relative, sep } from "node:path"
import ts from "typescript"

export interface MissingType {
  /** The type's name and where it is declared, e.g. `ToolCallResult (src/mcp/pipeline.ts)`. */
  readonly type: string
  /** One export path that reaches it, e.g. `McpHttp.layer → McpHttpOptions`. */
  readonly via: string
}

const ROOT = join(import.meta.dirname, "..", "..", "..")

const NAMED = ts.SymbolFlags.Interface | ts.SymbolFlags.Class | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Enum

const declaredUnder = (directory: string) => {
  const prefix = join(ROOT, directory) + sep
  return (symbol: ts.Symbol | undefined): boolean =>
    symbol?.declarations?.some((declaration) => declaration.getSourceFile().fileName.startsWith(prefix)) === true
}

const isHidden = (symbol: ts.Symbol): boolean =>
  symbol.declarations?.every((declaration) => {
    const flags = ts.getCombinedModifierFlags(declaration)
    return (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || (ts.isPropertyDeclaration(declaration) && ts.isPrivateIdentifier(declaration.name))
  }) === true

/** The program for the entry points, with the repository's compiler options. */
export const programFor = (entries: ReadonlyArray<string>): ts.Program => {
  const configFile = ts.readConfigFile(join(ROOT, "tsconfig.json"), ts.sys.readFile)
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT)
  return ts.createProgram({ rootNames: entries.map((entry) => join(ROOT, entry)), options: { ...parsed.options, noEmit: true } })
}

/**
 * Every named type declared under `ownDirectory` (the package's own code) that `entry`'s exports
 * reach — through parameters, results, members, type arguments, a class's base — and that `entry`
 * does not export itself. A dependency's types (Effect's) are followed through their type arguments only.
 */
export const unexportedPublicTypes = (program: ts.Program, entry: string, ownDirectory = "src"): ReadonlyArray<MissingType> => {
  const isOurs = declaredUnder(ownDirectory)
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(join(ROOT, entry))
  if (source === undefined) throw new Error(`${entry} is not in the program`)
  const moduleSymbol = checker.getSymbolAtLocation(source)
  if (moduleSymbol === undefined) throw new Error(`${entry} is not a module`)
  const resolve = (symbol: ts.Symbol) => ((symbol.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(symbol) : symbol)
  const exports = checker.getExportsOfModule(moduleSymbol)
  const exported = new Set(exports.map(resolve))
  const missing = new Map<ts.Symbol, string>()
  const seen = new Set<ts.Type>()

  const nameOf = (symbol: ts.Symbol) => {
    const file = symbol.declarations?.[0]?.getSourceFile().fileName ?? ""
    return `${symbol.name} (${relative(ROOT, file)})`
  }

  const require = (symbol: ts.Symbol | undefined, via: string) => {
    if (symbol === undefined || (symbol.flags & NAMED) === 0 || !isOurs(symbol) || exported.has(symbol)) return
    if (!missing.has(symbol)) missing.set(symbol, via)
  }

  const visitSignature = (signature: ts.Signature, via: string) => {
    for (const parameter of signature.getTypeParameters() ?? []) {
      const constraint = parameter.getConstraint()
      if (constraint !== undefined) visit(constraint, via)
    }
    for (const parameter of signature.getParameters()) visit(checker.getTypeOfSymbol(parameter), `${via}(${parameter.name})`)
    visit(signature.getReturnType(), `${via}()`)
  }

  const visitMembers = (type: ts.Type, via: string) => {
    for (const property of checker.getPropertiesOfType(type)) {
      // Members inherited from a dependency's type (Effect's Tag, Error…) are that dependency's business.
      if (isHidden(property) || !(isOurs(property) || property.declarations === undefined)) continue
      visit(checker.getTypeOfSymbol(property), `${via}.${property.name}`)
    }
    for (const signature of [...type.getCallSignatures(), ...type.getConstructSignatures()]) visitSignature(signature, via)
  }

  function visit(type: ts.Type, via: string): void {
    if (seen.has(type)) return
    seen.add(type)
    require(type.aliasSymbol, `${via} → ${type.aliasSymbol?.name ?? ""}`)
    require(type.getSymbol(), `${via} → ${type.getSymbol()?.name ?? ""}`)
    for (const argument of type.aliasTypeArguments ?? []) visit(argument, via)
    if (type.isUnionOrIntersection()) for (const part of type.types) visit(part, via)
    if ((type.flags & ts.TypeFlags.Object) !== 0) {
      const object = type as ts.ObjectType
      if ((object.objectFlags & ts.ObjectFlags.Reference) !== 0) {
        for (const argument of checker.getTypeArguments(object as ts.TypeReference)) visit(argument, via)
      }
      // Our own types and anonymous ones are walked member by member; a dependency's only through its type arguments.
      const symbol = type.getSymbol()
      if (symbol === undefined || isOurs(symbol) || (symbol.flags & NAMED) === 0) visitMembers(type, via)
    }
  }

  for (const symbol of exports) {
    const target = resolve(symbol)
    const via = symbol.name
    if ((target.flags & ts.SymbolFlags.Value) !== 0) visit(checker.getTypeOfSymbol(target), via)
    if ((target.flags & NAMED) !== 0) visit(checker.getDeclaredTypeOfSymbol(target), via)
    // A class's base (`Context.Tag(…)<Self, Shape>()`, `Schema.TaggedError…`) carries its service shape or fields.
    for (const declaration of target.declarations ?? []) {
      if (!ts.isClassDeclaration(declaration)) continue
      for (const clause of declaration.heritageClauses ?? []) {
        for (const base of clause.types) visit(checker.getTypeAtLocation(base), `${via} extends`)
      }
    }
  }
  return [...missing].map(([symbol, via]) => ({ type: nameOf(symbol), via }))
}

