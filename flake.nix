{
  description = "infrahub-mcp: a Model Context Protocol server for Infrahub (TypeScript, Effect)";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      packageJson = builtins.fromJSON (builtins.readFile ./package.json);
    in
    {
      packages = forAllSystems (pkgs: rec {
        infrahub-mcp = pkgs.buildNpmPackage {
          pname = packageJson.name;
          version = packageJson.version;
          src = pkgs.lib.cleanSource ./.;
          nodejs = pkgs.nodejs_20;

          # Dependencies come from package-lock.json (each entry's `integrity`), so no vendor hash to
          # maintain: the lock file alone pins the build.
          npmDeps = pkgs.importNpmLock { npmRoot = ./.; };
          npmConfigHook = pkgs.importNpmLock.npmConfigHook;

          # No dependency needs its install script (native accelerators are optional), and they cannot
          # download anything in the build sandbox anyway.
          npmRebuildFlags = [ "--ignore-scripts" ];
          npmBuildScript = "build";

          meta = {
            description = packageJson.description;
            license = pkgs.lib.licenses.asl20;
            mainProgram = "infrahub-mcp";
          };
        };
        default = infrahub-mcp;
      });

      apps = forAllSystems (pkgs: rec {
        infrahub-mcp = {
          type = "app";
          program = "${self.packages.${pkgs.system}.infrahub-mcp}/bin/infrahub-mcp";
        };
        default = infrahub-mcp;
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [ pkgs.nodejs_20 ] ++ pkgs.lib.optionals pkgs.stdenv.isLinux [ pkgs.chromium ];
        };
      });
    };
}
