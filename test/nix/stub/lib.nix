# Our own stand-in for the few nixpkgs `lib` functions flake.nix and nix/*.nix use, so the flake
# evaluates offline (no nixpkgs here or in CI). Each does what its nixpkgs namesake does for the
# arguments we pass; the module-system parts only record what they are given.
let
  inherit (builtins)
    attrNames
    concatStringsSep
    filter
    isFunction
    listToAttrs
    map
    match
    replaceStrings
    stringLength
    substring
    ;
  hasPrefix = prefix: s: substring 0 (stringLength prefix) s == prefix;

  # A file set is a predicate on absolute path strings; a path stands for everything under it.
  toFileset =
    x:
    if isFunction x then
      x
    else
      let
        root = toString x;
      in
      p: p == root || hasPrefix "${root}/" p;

  escapeShellArg =
    arg:
    if match "[A-Za-z0-9_./:=@%+-]+" arg != null then arg else "'${replaceStrings [ "'" ] [ "'\\''" ] arg}'";
in
rec {
  inherit hasPrefix;
  removePrefix = prefix: s: if hasPrefix prefix s then substring (stringLength prefix) (-1) s else s;
  genAttrs =
    names: f:
    listToAttrs (
      map (name: {
        inherit name;
        value = f name;
      }) names
    );
  importJSON = path: builtins.fromJSON (builtins.readFile path);
  mapAttrs = builtins.mapAttrs;
  filterAttrs =
    pred: attrs:
    listToAttrs (
      map (name: {
        inherit name;
        value = attrs.${name};
      }) (filter (name: pred name attrs.${name}) (attrNames attrs))
    );
  optional = cond: x: if cond then [ x ] else [ ];
  optionalAttrs = cond: attrs: if cond then attrs else { };
  assertMsg = pred: msg: pred || throw msg;
  boolToString = b: if b then "true" else "false";
  inherit concatStringsSep escapeShellArg;
  escapeShellArgs = args: concatStringsSep " " (map escapeShellArg args);
  getExe = pkg: "${pkg}/bin/${pkg.meta.mainProgram}";
  literalExpression = text: {
    _type = "literalExpression";
    inherit text;
  };

  fetchers.proxyImpureEnvVars = [
    "http_proxy"
    "https_proxy"
    "ftp_proxy"
    "all_proxy"
    "no_proxy"
  ];
  licenses.asl20 = {
    spdxId = "Apache-2.0";
  };
  platforms.unix = [
    "x86_64-linux"
    "aarch64-linux"
    "x86_64-darwin"
    "aarch64-darwin"
  ];

  fileset = {
    maybeMissing = toFileset;
    unions = sets: p: builtins.any (set: toFileset set p) sets;
    difference = a: b: p: toFileset a p && !(toFileset b p);
    toSource =
      { root, fileset }:
      {
        root = toString root;
        includes = p: toFileset fileset (toString p);
      };
  };

  # Module system: declarations and conditions as data, read by eval-nixos.nix.
  mkOption = decl: decl // { _type = "option"; };
  mkEnableOption = description: {
    _type = "option";
    default = false;
    inherit description;
  };
  mkIf = condition: content: {
    _type = "if";
    inherit condition content;
  };
  mkDefault = content: {
    _type = "override";
    priority = 1000;
    inherit content;
  };
  types = {
    package = "package";
    str = "str";
    int = "int";
    bool = "bool";
    port = "port";
    path = "path";
    enum = values: {
      name = "enum";
      inherit values;
    };
    nullOr = t: {
      name = "nullOr";
      of = t;
    };
    attrsOf = t: {
      name = "attrsOf";
      of = t;
    };
    oneOf = ts: {
      name = "oneOf";
      of = ts;
    };
  };

  # Not nixpkgs' nixosSystem: just enough of the module system for services.infrahub-mcp.
  nixosSystem =
    { modules }:
    import ./eval-nixos.nix {
      lib = import ./lib.nix;
      pkgs = import ./pkgs.nix { system = "x86_64-linux"; };
      inherit modules;
    };
}
