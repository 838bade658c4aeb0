# Shared by every configuration of the fleet, the image included.
{
  # Keep following the remote after every switch (remote and configuration: what bootstrap wrote).
  services.npcnix.enable = true;
  # Evaluating NixOS needs more than the 1 GiB of a t3/t4g.micro, at every release.
  swapDevices = [
    {
      device = "/var/lib/swapfile";
      size = 2048;
    }
  ];
  system.stateVersion = "26.05";
}
