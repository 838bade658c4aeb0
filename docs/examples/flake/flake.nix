{
  description = "npcnix example: a fleet with one web host configuration";

  # No inputs: real hosts would take nixpkgs here. Tests only read this file.
  outputs = { self }: {
    nixosConfigurations.web = import ./hosts/web.nix;
  };
}
