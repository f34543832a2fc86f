# Fetches one `mirror://npm/<name>/-/<file>.tgz` tarball (see npm-sources.nix), checked against its
# integrity hash.
#
# When nixpkgs' fetchurl has an `npm` mirror list it resolves the scheme itself. Otherwise (nixos-25.11
# has none) the tarball comes from the registry npm itself is configured with: npm's built-in default,
# or NPM_CONFIG_REGISTRY when it is set in the Nix daemon's environment (fixed-output derivations may
# read it). So no file of ours names a registry host, and a company mirror works without editing this.
{
  lib,
  path,
  fetchurl,
  stdenvNoCC,
  curl,
  cacert,
  nodejs,
}:
let
  scheme = "mirror://npm/";
  nixpkgsMirrors = import (path + "/pkgs/build-support/fetchurl/mirrors.nix");
in
{ url, hash, ... }:
assert lib.assertMsg (lib.hasPrefix scheme url) "fetch-npm-tarball: expected a ${scheme} URL, got ${url}";
if nixpkgsMirrors ? npm then
  fetchurl { inherit url hash; }
else
  stdenvNoCC.mkDerivation {
    # The name fetchurl would give the same file: same name and hash make the same store path, so a
    # tarball already in a binary cache is substituted instead of downloaded.
    name = baseNameOf url;
    tarballPath = lib.removePrefix scheme url;

    outputHash = hash;
    outputHashMode = "flat";

    nativeBuildInputs = [
      curl
      nodejs
    ];
    SSL_CERT_FILE = "${cacert}/etc/ssl/certs/ca-bundle.crt";
    impureEnvVars = lib.fetchers.proxyImpureEnvVars ++ [ "NPM_CONFIG_REGISTRY" ];
    preferLocalBuild = true;

    buildCommand = ''
      export HOME="$TMPDIR"
      registry="$(npm config get registry)"
      curl --fail --silent --show-error --location --retry 3 \
        --output "$out" "''${registry%/}/$tarballPath"
    '';
  }
