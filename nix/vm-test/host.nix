# Settings shared by the test VM as booted and by the configuration published to it
# (./target.nix): whatever differs between the two is changed by the switch, and the
# test must survive that switch.
{ lib, ... }:
{
  networking.hostName = "machine";
  networking.useDHCP = false;
  documentation.nixos.enable = false;

  # The VM is offline: everything the new configuration needs is already in its store.
  nix.settings = {
    experimental-features = [
      "nix-command"
      "flakes"
    ];
    substituters = lib.mkForce [ ];
    flake-registry = "";
    connect-timeout = 1;
  };

  # The test driver talks to the VM through this service: a switch must leave it alone.
  systemd.services.backdoor = {
    restartIfChanged = false;
    stopIfChanged = false;
  };

  systemd.tmpfiles.rules = [ "d /srv/npcnix 0755 root root -" ];

  services.npcnix = {
    enable = true;
    remote = "file:///srv/npcnix/vm-test.npcnix";
    configuration = "machine";
    # `test` activates without installing a boot loader, which a test VM booted
    # directly from its kernel does not have.
    operation = "test";
    minSleepSecs = 1;
    maxSleepSecs = 5;
  };
}
