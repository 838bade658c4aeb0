# The `web` hosts: what the fleet is for.
{
  networking.hostName = "web";
  services.nginx.enable = true;
  networking.firewall.allowedTCPPorts = [ 80 ];
}
