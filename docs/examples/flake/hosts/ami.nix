# The image new hosts boot from: it joins the fleet by itself at first boot, reading the remote
# and configuration from the instance tags npcnix:remote and npcnix:configuration.
{
  services.npcnix.bootstrap = {
    enable = true;
    ec2 = "tags";
  };
}
