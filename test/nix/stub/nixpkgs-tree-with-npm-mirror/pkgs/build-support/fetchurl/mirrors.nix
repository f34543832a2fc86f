# Stand-in for a later nixpkgs whose fetchurl resolves mirror://npm/ itself.
{ npm = [ ]; }
