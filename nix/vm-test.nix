# NixOS VM test: one offline VM runs the npcnix service following a file:// remote.
# The test publishes a flake with `npcnix publish`; the daemon fetches it, runs
# `nixos-rebuild test`, and /etc/npcnix-vm-test from the new configuration appears.
#
# Run: nix build .#checks.x86_64-linux.vm-test -L   (needs KVM; see docs/nixos-module.md)
#
# The VM cannot download or build anything, so the published configuration is
# evaluated here first (./vm-test/target.nix) and its closure, nixpkgs' source and
# this flake's source go into the VM's store. Inside the VM, nixos-rebuild evaluates
# the same expression from those sources and finds the result already built.
{
  pkgs,
  self,
  nixpkgs,
}:
let
  inherit (pkgs.stdenv.hostPlatform) system;

  target = import ./vm-test/target.nix {
    inherit nixpkgs system;
    npcnix = self;
  };

  # The flake that is published. Its inputs are the store paths of this flake's
  # nixpkgs and of this flake itself, both present in the VM.
  published = pkgs.runCommand "npcnix-vm-test-flake" { } ''
    mkdir -p $out
    cp ${./vm-test/target.nix} $out/target.nix
    cp ${./vm-test/host.nix} $out/host.nix
    cat > $out/flake.nix <<'NIX'
    {
      inputs.nixpkgs.url = "path:${nixpkgs}";
      inputs.npcnix.url = "path:${self}";
      inputs.npcnix.inputs.nixpkgs.follows = "nixpkgs";
      outputs = { nixpkgs, npcnix, ... }: {
        nixosConfigurations.machine = import ./target.nix {
          inherit nixpkgs npcnix;
          system = "${system}";
        };
      };
    }
    NIX
  '';
in
pkgs.testers.runNixOSTest {
  name = "npcnix-follow";

  nodes.machine =
    { ... }:
    {
      imports = [
        self.nixosModules.default
        ./vm-test/host.nix
      ];
      virtualisation = {
        memorySize = 3072;
        cores = 2;
        additionalPaths = [
          target.config.system.build.toplevel
          "${nixpkgs}"
          "${self}"
          published
        ];
      };
    };

  testScript = ''
    machine.wait_for_unit("multi-user.target")

    with subtest("nothing published yet: the daemon waits and keeps running"):
        machine.wait_for_unit("npcnix.service")
        machine.fail("test -e /etc/npcnix-vm-test")

    with subtest("publish release 2"):
        machine.succeed("cp -r --no-preserve=mode ${published} /root/flake")
        machine.succeed("nix flake lock /root/flake")
        machine.succeed("npcnix publish --src /root/flake --remote file:///srv/npcnix/vm-test.npcnix")

    with subtest("the host follows: nixos-rebuild test activates the new configuration"):
        machine.wait_until_succeeds("grep -qx 'release 2' /etc/npcnix-vm-test", timeout=1200)

    with subtest("the daemon survived its own activation and reports the host"):
        machine.wait_for_unit("npcnix.service")
        machine.succeed("npcnix status")
        print(machine.succeed("journalctl -u npcnix --no-pager | tail -n 40"))
  '';
}
