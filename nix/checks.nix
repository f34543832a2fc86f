# `nix flake check`: the type check, the linter and the unit tests, each in the build sandbox with the
# same dependencies as the package (its npmDeps), on the full source tree (tests included).
{ infrahub-mcp }:
let
  # The package's derivation with its build replaced by one command; the npm config hook still installs
  # every dependency (dev ones included) offline before it runs.
  npmCheck =
    name: command:
    infrahub-mcp.overrideAttrs (_: {
      pname = "infrahub-mcp-${name}";
      src = infrahub-mcp.passthru.checkSource;
      buildPhase = ''
        runHook preBuild
        ${command}
        runHook postBuild
      '';
      installPhase = ''
        touch "$out"
      '';
      dontFixup = true;
    });
in
{
  typecheck = npmCheck "typecheck" "npm run typecheck";

  lint = npmCheck "lint" "npm run lint";

  # Everything but what the build sandbox cannot offer: the end-to-end suite (a few minutes of spawned
  # servers; CI runs it), the browser sign-in (needs Chromium), the Nix evaluation tests (need Nix) and
  # the npm packaging test (needs the npm registry cache). Loopback networking works in the sandbox.
  unit-tests = npmCheck "unit-tests" ''
    export HOME="$TMPDIR"
    ./node_modules/.bin/vitest run \
      --exclude 'test/e2e/**' \
      --exclude 'test/auth/oidc/chromium.test.ts' \
      --exclude 'test/nix/**' \
      --exclude 'test/package/**'
  '';
}
