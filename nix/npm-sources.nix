# The npm tarballs that package-lock.json pins, derived from each entry's path, version and integrity.
#
# Our lock files carry no `resolved` URLs (npm here runs with omit-lockfile-registry-resolved, and no
# file of ours names a registry's host), so each URL is rebuilt from the registry's tarball layout,
# `<name>/-/<name without scope>-<version>.tgz`, behind the `mirror://npm/` scheme: the fetcher
# (fetch-npm-tarball.nix) decides which registry serves it. Only builtins, so test/nix/ evaluates this
# file with the real lock and no nixpkgs.
#
#   packageLock (parsed package-lock.json, lockfileVersion 2 or 3)
#   -> { "node_modules/<path>" = { name, version, url, hash }; ... }  for every entry npm downloads.
packageLock:
let
  inherit (builtins)
    elemAt
    filter
    head
    isList
    length
    listToAttrs
    match
    split
    ;

  packages =
    packageLock.packages or (throw (
      "package-lock.json has no `packages` map (lockfileVersion ${toString (packageLock.lockfileVersion or "unknown")}): "
      + "regenerate it with npm 7 or newer (`npm install --package-lock-only`)."
    ));

  # "node_modules/a/node_modules/@s/b" -> "@s/b": the folder npm installs the entry into.
  installedAs =
    path:
    let
      parts = split "node_modules/" path;
    in
    elemAt parts (length parts - 1);

  # An alias ("x": "npm:y@1") is installed as x but fetched as y; npm records y in `name`.
  nameOf = path: entry: entry.name or (installedAs path);

  validName = name: match "(@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*" name != null;
  validVersion =
    version: match "[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?" version != null;

  # "@scope/name" -> "name"; the registry names tarballs without the scope.
  unscoped =
    name:
    let
      scoped = match "@[^/]+/(.+)" name;
    in
    if scoped == null then name else head scoped;

  tarballPath = name: version: "${name}/-/${unscoped name}-${version}.tgz";

  # `integrity` may list several hashes ("sha512-… sha1-…"); keep the strongest one Nix can check.
  strongestHash =
    path: integrity:
    let
      hashes = filter (part: !(isList part) && part != "") (split "[[:space:]]+" integrity);
      withAlgo = algo: filter (h: match "${algo}-[A-Za-z0-9+/]+={0,2}" h != null) hashes;
      candidates = withAlgo "sha512" ++ withAlgo "sha384" ++ withAlgo "sha256" ++ withAlgo "sha1";
    in
    if candidates == [ ] then
      throw "package-lock.json entry ${path} has integrity \"${integrity}\", which is not a Subresource Integrity hash (sha512-<base64>): run `npm install` to refresh the lock file."
    else
      head candidates;

  # Only registry tarballs are supported: a git, file or other URL source has no name/version layout.
  checkResolved =
    path: name: version: entry:
    let
      resolved = entry.resolved or null;
      tail = "/${tarballPath name version}";
      tailLength = builtins.stringLength tail;
      resolvedLength = builtins.stringLength resolved;
    in
    resolved == null
    || (
      resolvedLength > tailLength
      && builtins.substring (resolvedLength - tailLength) tailLength resolved == tail
    )
    || throw "package-lock.json entry ${path} comes from ${resolved}, not from an npm registry: only registry packages can be fetched by name, version and integrity. Publish it to the registry or vendor it.";

  source =
    path: entry:
    let
      name = nameOf path entry;
      version =
        entry.version or (throw "package-lock.json entry ${path} has no version: run `npm install` to refresh the lock file.");
      integrity =
        entry.integrity or (throw "package-lock.json entry ${path} has no integrity hash, so its download cannot be verified: run `npm install` to refresh the lock file (npm records `integrity` for every registry package).");
    in
    assert
      validName name
      || throw "package-lock.json entry ${path} has the package name \"${name}\", which npm would not publish.";
    assert
      validVersion version
      || throw "package-lock.json entry ${path} has the version \"${version}\", which is not a semantic version.";
    assert checkResolved path name version entry;
    {
      inherit name version;
      url = "mirror://npm/${tarballPath name version}";
      hash = strongestHash path integrity;
    };

  # Entries npm does not download: the root project, workspace folders and symlinks, and packages
  # that arrive inside another package's tarball.
  downloaded =
    path: entry:
    match "(.*/)?node_modules/.+" path != null && !(entry.link or false) && !(entry.inBundle or false);

  paths = filter (path: downloaded path packages.${path}) (builtins.attrNames packages);
in
listToAttrs (
  map (path: {
    name = path;
    value = source path packages.${path};
  }) paths
)
