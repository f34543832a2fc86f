# infrahub-mcp built from this repository. Dependencies come from package-lock.json alone (each
# entry's version and integrity, see npm-sources.nix), so there is no vendor hash to keep up to date.
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

  # npm users install effect and @effect/platform(-node) as peer dependencies, one copy shared with
  # their own code. Here they are the application's own dependencies, so `npm prune --omit=dev`
  # (which would drop them as the dev dependencies they also are) keeps them.
  optionalPeers = builtins.attrNames (
    lib.filterAttrs (_: meta: meta.optional or false) (packageJson.peerDependenciesMeta or { })
  );
  runtimePeers = removeAttrs (packageJson.peerDependencies or { }) optionalPeers;
  packageForBuild = packageJson // {
    dependencies = (packageJson.dependencies or { }) // runtimePeers;
    devDependencies = removeAttrs (packageJson.devDependencies or { }) (builtins.attrNames runtimePeers);
  };

  # What npm installs, each entry a fixed-output download checked against the lock's integrity.
  npmDeps = importNpmLock {
    package = packageForBuild;
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

  # Install scripts stay off: the two dependencies that have one (@parcel/watcher, msgpackr-extract)
  # ship prebuilt binaries or fall back to JavaScript, and the sandbox could not download anything.
  npmRebuildFlags = [ "--ignore-scripts" ];

  # @effect/opentelemetry is an optional peer dependency (for npm users it would drag in the whole
  # OpenTelemetry SDK, which the OTLP exporter never loads). The Nix package keeps it, without the SDK,
  # so INFRAHUB_MCP_OTEL_ENABLED works out of the box; `npm prune --omit=dev` would remove it.
  preInstall = ''
    cp -r node_modules/@effect/opentelemetry "$TMPDIR/effect-opentelemetry"
  '';
  postInstall = ''
    cp -r "$TMPDIR/effect-opentelemetry" "$out/lib/node_modules/${packageJson.name}/node_modules/@effect/opentelemetry"
  '';

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
