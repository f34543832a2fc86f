# Evaluates the repository's flake.nix against our stand-ins for nixpkgs (lib.nix, pkgs.nix) and
# summarises what it would build, as JSON for test/nix/flake.test.ts:
#   nix-instantiate --eval --strict --json test/nix/stub/evaluate.nix -A flake
#   nix-instantiate --eval --strict --json test/nix/stub/evaluate.nix -A module --argstr serviceJSON '{…}'
{
  withNpmMirror ? false,
  # services.infrahub-mcp definitions for `module`, as JSON.
  serviceJSON ? "{}",
}:
let
  lib = import ./lib.nix;
  root = ../../..;
  flake = import (root + "/flake.nix");
  systems = [
    "x86_64-linux"
    "aarch64-linux"
    "x86_64-darwin"
    "aarch64-darwin"
  ];
  nixpkgs = {
    inherit lib;
    legacyPackages = lib.genAttrs systems (system: import ./pkgs.nix { inherit system withNpmMirror; });
  };
  outputs = flake.outputs {
    self = outputs;
    inherit nixpkgs;
  };

  package = outputs.packages.x86_64-linux.default;
  npmDepsArgs = package.npmDeps.importNpmLockArgs;
  sampleFiles = [
    "README.md"
    "ARCHITECTURE.md"
    "BENCHMARKS.md"
    "docs/guide.md"
    "flake.nix"
    "nix/module.nix"
    ".ci/run"
    "test/docs.test.ts"
    "bench/run.ts"
    "package.json"
    "package-lock.json"
    "tsconfig.json"
    "tsconfig.build.json"
    "LICENSE"
    "src/bin.ts"
    "src/sandbox/data/builtin-schema.json"
    "scripts/readme.ts"
    "node_modules/effect/package.json"
    "dist/bin.js"
  ];
  included = source: lib.genAttrs sampleFiles (file: source.includes "${source.root}/${file}");

  service =
    definitions:
    let
      system = lib.nixosSystem {
        modules = [
          outputs.nixosModules.default
          { services.infrahub-mcp = definitions; }
        ];
      };
    in
    {
      # A disabled module defines nothing (mkIf false).
      assertions = system.config.assertions or [ ];
      warnings = system.config.warnings or [ ];
      firewall = system.config.networking.firewall.allowedTCPPorts or [ ];
      unit = system.config.systemd.units."infrahub-mcp.service".unit or null;
    };
in
{
  flake = {
    nixpkgsUrl = flake.inputs.nixpkgs.url;
    systems = builtins.attrNames outputs.packages;
    package = {
      inherit (package) pname version npmRebuildFlags;
      nodejs = package.nodejs.name;
      npmConfigHook = package.npmConfigHook.name;
      npmDepsPackage = {
        inherit (npmDepsArgs.package) name dependencies devDependencies;
      };
      npmDepsLockVersion = npmDepsArgs.packageLock.lockfileVersion;
      meta = {
        inherit (package.meta) description homepage mainProgram;
        license = package.meta.license.spdxId;
      };
      src = included package.src;
      checkSource = included package.passthru.checkSource;
      installHooks = builtins.filter (hook: package ? ${hook}) [
        "preInstall"
        "postInstall"
      ];
    };
    sources = builtins.mapAttrs (_: drv: {
      inherit (drv) name fetcher;
      url = drv.url or null;
      tarballPath = drv.tarballPath or null;
      hash = drv.outputHash or drv.hash;
      outputHashMode = drv.outputHashMode or null;
      impureEnvVars = drv.impureEnvVars or [ ];
      buildCommand = drv.buildCommand or null;
    }) npmDepsArgs.packageSourceOverrides;
    overlay = (outputs.overlays.default nixpkgs.legacyPackages.x86_64-linux { }).infrahub-mcp.pname;
    apps = builtins.mapAttrs (_: app: {
      inherit (app) type program;
      description = app.meta.description;
    }) outputs.apps.x86_64-linux;
    checks = builtins.mapAttrs (
      name: check: if name == "nixos-module" then "unit" else check.buildPhase or check.name
    ) outputs.checks.x86_64-linux;
    darwinChecks = builtins.attrNames outputs.checks.aarch64-darwin;
    devShell = {
      packages = map (p: p.name) outputs.devShells.x86_64-linux.default.packages;
      CHROMIUM_PATH = outputs.devShells.x86_64-linux.default.CHROMIUM_PATH or null;
    };
    darwinDevShell = {
      packages = map (p: p.name) outputs.devShells.aarch64-darwin.default.packages;
      CHROMIUM_PATH = outputs.devShells.aarch64-darwin.default.CHROMIUM_PATH or null;
    };
    # The module as the flake's own check configures it.
    nixosModuleCheck = outputs.checks.x86_64-linux.nixos-module;
  };

  module = service (builtins.fromJSON serviceJSON);
}
