# The NixOS configuration that the VM test publishes ("release 2"). Evaluated twice
# and the two must agree to the store path: on the build machine (so its closure can
# be put into the VM's store) and inside the offline VM by nixos-rebuild, from the
# published flake, which carries a copy of this file and of ./host.nix.
{
  nixpkgs,
  npcnix,
  system,
}:
import "${nixpkgs}/nixos/lib/eval-config.nix" {
  system = null;
  modules = [
    "${nixpkgs}/nixos/modules/virtualisation/qemu-vm.nix"
    "${nixpkgs}/nixos/modules/testing/test-instrumentation.nix"
    npcnix.nixosModules.default
    ./host.nix
    {
      nixpkgs.hostPlatform = system;
      system.stateVersion = "24.11";
      environment.etc."npcnix-vm-test".text = "release 2\n";
    }
  ];
}
