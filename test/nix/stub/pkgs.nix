# Our own stand-in for the nixpkgs package set as flake.nix and nix/*.nix use it. Builders return
# their arguments (as fake derivations) so the evaluation test can check what would be built.
{
  system,
  # Which stand-in nixpkgs tree `pkgs.path` points at (fetch-npm-tarball.nix reads its mirror list).
  withNpmMirror ? false,
}:
let
  lib = import ./lib.nix;
  fakeDrv =
    name: attrs:
    attrs
    // {
      type = "derivation";
      inherit name;
      outPath = "/nix/store/00000000000000000000000000000000-${name}";
    };
  # Like mkDerivation's overrideAttrs: a function of the previous attributes, merged over them.
  withOverride =
    make: args:
    make args
    // {
      overrideAttrs = f: withOverride make (args // f args);
    };

  pkgs = {
    inherit lib;
    path = if withNpmMirror then ./nixpkgs-tree-with-npm-mirror else ./nixpkgs-tree;
    stdenv.hostPlatform = {
      inherit system;
      isLinux = lib.hasPrefix "x86_64-linux" system || lib.hasPrefix "aarch64-linux" system;
    };
    callPackage =
      fn: overrides:
      let
        f = if builtins.isFunction fn then fn else import fn;
      in
      f (builtins.intersectAttrs (builtins.functionArgs f) pkgs // overrides);

    buildNpmPackage = withOverride (args: fakeDrv "${args.pname}-${args.version}" args);
    importNpmLock = {
      __functor = _: args: fakeDrv "npm-deps" { importNpmLockArgs = args; };
      npmConfigHook = fakeDrv "npm-config-hook" { };
    };
    fetchurl = args: fakeDrv (baseNameOf args.url) ({ fetcher = "fetchurl"; } // args);
    stdenvNoCC.mkDerivation = args: fakeDrv args.name ({ fetcher = "fixed-output"; } // args);
    mkShell = args: fakeDrv "shell" args;
    writeShellScript = name: text: fakeDrv name { inherit text; };

    curl = fakeDrv "curl" { };
    cacert = fakeDrv "cacert" { };
    nodejs_22 = fakeDrv "nodejs-22" { };
    chromium = fakeDrv "chromium" { meta.mainProgram = "chromium"; };
  };
in
pkgs
