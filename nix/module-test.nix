# Evaluates the npcnix NixOS module offline, with nixpkgs' real module system (lib.evalModules from
# ../shared/nixpkgs-lib) and stand-ins for the NixOS options it sets and for pkgs/utils, and runs
# ./module-checks.nix on the units it produces. Returns "N passed, 0 failed", or fails naming each
# failed check. .ci/check-module runs it:
#
#   nix-instantiate --eval --strict nix/module-test.nix --arg lib 'import ../shared/nixpkgs-lib/lib'
{ lib }:
let
  drv = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };
  stub = drv "npcnix-stub";

  pkgs = {
    git = drv "git";
    coreutils = drv "coreutils";
    openssh = drv "openssh";
    nixos-rebuild = drv "nixos-rebuild";
    util-linux = drv "util-linux";
  };

  # nixpkgs' nixos/lib/utils.nix does the same: JSON string quoting, % and $ doubled.
  utils.escapeSystemdExecArgs = lib.concatMapStringsSep " " (
    arg: lib.replaceStrings [ "%" "$" ] [ "%%" "$$" ] (builtins.toJSON (toString arg))
  );

  # The NixOS options the module sets or reads, declared as loosely as NixOS does.
  nixosStandIns =
    { lib, ... }:
    let
      inherit (lib) mkOption types;
      unit = types.submodule {
        freeformType = types.lazyAttrsOf types.anything;
      };
    in
    {
      options = {
        assertions = mkOption {
          type = types.listOf types.unspecified;
          default = [ ];
        };
        warnings = mkOption {
          type = types.listOf types.str;
          default = [ ];
        };
        environment.systemPackages = mkOption {
          type = types.listOf types.package;
          default = [ ];
        };
        environment.variables = mkOption {
          type = types.attrsOf types.str;
          default = { };
        };
        systemd.services = mkOption {
          type = types.attrsOf unit;
          default = { };
        };
        systemd.tmpfiles.rules = mkOption {
          type = types.listOf types.str;
          default = [ ];
        };
        systemd.package = mkOption {
          type = types.package;
          default = drv "systemd";
        };
        services.prometheus.exporters.node.enabledCollectors = mkOption {
          type = types.listOf types.str;
          default = [ ];
        };
        services.prometheus.exporters.node.extraFlags = mkOption {
          type = types.listOf types.str;
          default = [ ];
        };
        networking.proxy.envVars = mkOption {
          type = types.attrsOf types.str;
          default = { };
        };
        nix.package = mkOption {
          type = types.package;
          default = drv "nix";
        };
        nix.envVars = mkOption {
          type = types.attrsOf types.str;
          default = { };
        };
        # nixpkgs' systemd-boot boot counting (NixOS 25.11+), which health.markBootGood follows.
        boot.loader.systemd-boot.bootCounting.enable = mkOption {
          type = types.bool;
          default = false;
        };
        system.build = mkOption {
          type = types.lazyAttrsOf types.unspecified;
          default = { };
        };
      };
    };

  evalHost =
    settings:
    (lib.evalModules {
      modules = [
        ../nixos-module
        nixosStandIns
        (settings.extra or { })
        {
          _module.args = { inherit pkgs utils; };
          services.npcnix = {
            enable = true;
            package = stub;
          } // builtins.removeAttrs settings [ "extra" ];
        }
      ];
    }).config;

  checks = import ./module-checks.nix { inherit lib evalHost stub; };
  failures = lib.filter (c: !c.ok) checks;
in
if failures != [ ] then
  throw (
    "npcnix module: ${toString (builtins.length failures)} of ${toString (builtins.length checks)} checks failed:\n"
    + lib.concatMapStringsSep "\n" (c: "- ${c.what}; got: ${builtins.toJSON c.got}") failures
  )
else
  "module: ${toString (builtins.length checks)} passed, 0 failed"
