{
  description = "infrahub-mcp: a Model Context Protocol server for Infrahub (TypeScript, Effect)";

  # A supported release, pinned by flake.lock (revision and narHash).
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.11";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;

      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      packageFor = pkgs: self.packages.${pkgs.stdenv.hostPlatform.system}.default;
    in
    {
      overlays.default = final: _prev: {
        infrahub-mcp = final.callPackage ./nix/package.nix { };
      };

      packages = forAllSystems (pkgs: rec {
        infrahub-mcp = pkgs.callPackage ./nix/package.nix { };
        default = infrahub-mcp;
      });

      apps = forAllSystems (pkgs: rec {
        infrahub-mcp = {
          type = "app";
          program = lib.getExe (packageFor pkgs);
          meta.description = "Run the MCP server (`serve`), the Infrahub sandbox (`sandbox`) or both with demo data (`demo`)";
        };
        demo = {
          type = "app";
          program = "${pkgs.writeShellScript "infrahub-mcp-demo" ''exec ${lib.getExe (packageFor pkgs)} demo "$@"''}";
          meta.description = "The sandbox with demo data and the MCP server on streamable HTTP in front of it";
        };
        default = infrahub-mcp;
      });

      checks = forAllSystems (
        pkgs:
        import ./nix/checks.nix { infrahub-mcp = packageFor pkgs; }
        // {
          package = packageFor pkgs;
        }
        // lib.optionalAttrs pkgs.stdenv.hostPlatform.isLinux {
          # The module evaluated in a NixOS system, down to the systemd unit it writes.
          nixos-module =
            (lib.nixosSystem {
              modules = [
                self.nixosModules.default
                {
                  nixpkgs.hostPlatform = pkgs.stdenv.hostPlatform.system;
                  boot.isContainer = true;
                  system.stateVersion = "25.11";
                  services.infrahub-mcp = {
                    enable = true;
                    settings.INFRAHUB_ADDRESS = "http://127.0.0.1:8000";
                    environmentFile = "/run/secrets/infrahub-mcp.env";
                  };
                }
              ];
            }).config.systemd.units."infrahub-mcp.service".unit;
        }
      );

      nixosModules = rec {
        infrahub-mcp =
          { pkgs, ... }:
          {
            imports = [ ./nix/module.nix ];
            services.infrahub-mcp.package = lib.mkDefault (packageFor pkgs);
          };
        default = infrahub-mcp;
      };

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell (
          {
            packages = [ (packageFor pkgs).passthru.nodejs ] ++ lib.optional pkgs.stdenv.hostPlatform.isLinux pkgs.chromium;
          }
          # The OIDC browser test launches this Chromium (test/support/chromium.ts).
          // lib.optionalAttrs pkgs.stdenv.hostPlatform.isLinux {
            CHROMIUM_PATH = lib.getExe pkgs.chromium;
          }
        );
      });
    };
}
