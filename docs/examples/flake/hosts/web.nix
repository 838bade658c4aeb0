# A stand-in for a NixOS configuration; a real one is nixpkgs.lib.nixosSystem { ... }.
{
  config.system.build.toplevel = "web";
}
