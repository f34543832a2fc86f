# infrahub-mcp built from this repository. Dependencies come from package-lock.json alone (each
# entry's version and integrity, see npm-sources.nix), so there is no vendor hash to keep up to date.
# package.json is used as it is: the command runs the esbuild bundle dist/main.js, which carries what
# it imports (Effect and the OTLP exporter too), so `npm prune --omit=dev` removing the dev dependencies
# leaves it whole, and INFRAHUB_MCP_OTEL_ENABLED works with nothing added, as for npm users.
{
  lib,
  buildNpmPackage,
  importNpmLock,
  callPackage,
  nodejs_22,
}:
let
  root = ../.;
  packageJson = lib.importJSON (root + "/package.json");
  packageLock = lib.importJSON (root + "/package-lock.json");
  nodejs = nodejs_22;

  fetchNpmTarball = callPackage ./fetch-npm-tarball.nix { inherit nodejs; };

  # What npm installs, each entry a fixed-output download checked against the lock's integrity.
  npmDeps = importNpmLock {
    package = packageJson;
    inherit packageLock;
    packageSourceOverrides = lib.mapAttrs (_: fetchNpmTarball) (import ./npm-sources.nix packageLock);
  };

  # Build products of a local checkout (a `path:` flake sees untracked files too).
  localOutputs = map lib.fileset.maybeMissing [
    (root + "/node_modules")
    (root + "/dist")
    (root + "/coverage")
  ];
  nixAndCi = map lib.fileset.maybeMissing [
    (root + "/.ci")
    (root + "/nix")
    (root + "/flake.nix")
    (root + "/flake.lock")
  ];

  # Everything but documentation and the Nix/CI plumbing: editing README.md or the NixOS module does
  # not rebuild the package. Tests and benchmarks only matter to the checks (see checks.nix).
  notBuildInputs = lib.fileset.unions (
    localOutputs
    ++ nixAndCi
    ++ map lib.fileset.maybeMissing [
      (root + "/README.md")
      (root + "/ARCHITECTURE.md")
      (root + "/BENCHMARKS.md")
      (root + "/docs")
      (root + "/test")
      (root + "/bench")
    ]
  );
  src = lib.fileset.toSource {
    inherit root;
    fileset = lib.fileset.difference root notBuildInputs;
  };
in
buildNpmPackage {
  pname = packageJson.name;
  inherit (packageJson) version;
  inherit src nodejs npmDeps;
  npmConfigHook = importNpmLock.npmConfigHook;

  # Install scripts stay off: the two dependencies that have one (@parcel/watcher, msgpackr-extract,
  # both through the dev dependency @effect/platform-node) ship prebuilt binaries or fall back to
  # JavaScript, and the sandbox could not download anything.
  npmRebuildFlags = [ "--ignore-scripts" ];

  passthru = {
    inherit npmDeps nodejs;
    checkSource = lib.fileset.toSource {
      inherit root;
      fileset = lib.fileset.difference root (lib.fileset.unions (localOutputs ++ nixAndCi));
    };
  };

  meta = {
    inherit (packageJson) description homepage;
    license = lib.licenses.asl20;
    mainProgram = "infrahub-mcp";
    platforms = lib.platforms.unix;
  };
}
