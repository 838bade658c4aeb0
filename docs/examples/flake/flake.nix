{
  description = "npcnix example: a fleet on EC2, its web hosts and the image new hosts boot from";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  # Where you host npcnix: set once (docs/getting-started.md replaces this with $NPCNIX_FLAKE).
  inputs.npcnix.url = "github:<your-org>/npcnix";
  inputs.npcnix.inputs.nixpkgs.follows = "nixpkgs";

  outputs =
    { nixpkgs, npcnix, ... }:
    let
      # Every configuration published for EC2 imports amazon-image.nix (file systems, boot
      # loader, drivers): one without it does not boot on EC2.
      ec2 =
        host:
        nixpkgs.lib.nixosSystem {
          system = "x86_64-linux";
          modules = [
            "${nixpkgs}/nixos/modules/virtualisation/amazon-image.nix"
            npcnix.nixosModules.default
            ./hosts/common.nix
            host
          ];
        };
    in
    {
      # What hosts follow: `npcnix publish --src . --remote s3://…/prod.npcnix`.
      nixosConfigurations.web = ec2 ./hosts/web.nix;
      # The image: `nix build .#nixosConfigurations.ami.config.system.build.amazonImage`.
      nixosConfigurations.ami = ec2 ./hosts/ami.nix;
    };
}
