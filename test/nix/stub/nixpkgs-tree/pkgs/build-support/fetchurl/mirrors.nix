# Stand-in for nixos-25.11's mirror list as fetch-npm-tarball.nix sees it: no `npm` entry.
{ gnu = [ ]; }
