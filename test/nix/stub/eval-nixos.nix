# Just enough of the NixOS module system to evaluate services.infrahub-mcp offline: modules and their
# imports are collected, option defaults apply, `mkDefault` loses to a plain definition, `mkIf` is
# resolved, and a definition of an undeclared option fails. The result mimics what the flake reads
# from lib.nixosSystem: `config.systemd.units."infrahub-mcp.service".unit` (here the service's attrs).
{
  lib,
  pkgs,
  modules,
}:
let
  inherit (builtins)
    attrNames
    concatMap
    filter
    foldl'
    isFunction
    isPath
    mapAttrs
    ;

  call =
    module:
    let
      loaded = if isPath module then import module else module;
    in
    if isFunction loaded then loaded { inherit config lib pkgs; } else loaded;
  collect = ms: concatMap (m: let value = call m; in [ value ] ++ collect (value.imports or [ ])) ms;
  evaluated = collect modules;

  declaring = filter (m: m ? options) evaluated;
  defining = filter (m: !(m ? options)) evaluated;

  declarations = foldl' (acc: m: acc // m.options.services.infrahub-mcp) { } declaring;
  definitions = map (m: m.services.infrahub-mcp or { }) defining;

  isDefault = value: builtins.isAttrs value && (value._type or null) == "override";
  valueOf =
    name:
    let
      defined = concatMap (d: if d ? ${name} then [ d.${name} ] else [ ]) definitions;
      plain = filter (v: !(isDefault v)) defined;
      defaults = map (v: v.content) (filter isDefault defined);
    in
    if plain != [ ] then
      builtins.head plain
    else if defaults != [ ] then
      builtins.head defaults
    else
      declarations.${name}.default or (throw "services.infrahub-mcp.${name} is used but has no value");

  undeclared = filter (name: !(declarations ? ${name})) (concatMap attrNames definitions);
  cfg =
    if undeclared != [ ] then
      throw "The option services.infrahub-mcp.${builtins.head undeclared} does not exist."
    else
      mapAttrs (name: _: valueOf name) declarations;

  config = {
    services.infrahub-mcp = cfg;
  };

  resolve = value: if (value._type or null) == "if" then (if value.condition then value.content else { }) else value;
  moduleConfig = foldl' (acc: m: acc // resolve (m.config or { })) { } declaring;
in
{
  inherit declarations;
  config = moduleConfig // {
    services.infrahub-mcp = cfg;
    systemd.units = lib.optionalAttrs (moduleConfig ? systemd) {
      "infrahub-mcp.service".unit = moduleConfig.systemd.services.infrahub-mcp;
    };
  };
}
