# Evaluates NixOS configurations that use the npcnix module with the real NixOS modules of this
# flake's nixpkgs and runs ./module-checks.nix (the same checks .ci/check-module runs offline with
# stand-ins), then checks the rendered unit file.
# Cheap (no VM, and a stub instead of the real package): `nix build .#checks.<system>.module-eval`.
{ pkgs, self, ... }:
let
  inherit (pkgs) lib;

  stub = pkgs.writeShellScriptBin "npcnix" "exit 0";

  evalHost =
    settings:
    (import (pkgs.path + "/nixos/lib/eval-config.nix") {
      system = null;
      modules = [
        self.nixosModules.default
        (settings.extra or { })
        {
          nixpkgs.hostPlatform = pkgs.stdenv.hostPlatform.system;
          boot.isContainer = true;
          system.stateVersion = lib.trivial.release;
          services.npcnix = {
            enable = true;
            package = stub;
          } // builtins.removeAttrs settings [ "extra" ];
        }
      ];
    }).config;

  checks = import ./module-checks.nix { inherit lib evalHost stub; };
  failures = lib.filter (c: !c.ok) checks;
  full = evalHost {
    remote = "s3://acme-config/npcnix/remotes/prod.npcnix";
    configuration = "web";
    s3Endpoint = "https://minio.internal:9000";
  };
in
if failures != [ ] then
  throw (
    "npcnix module-eval failed:\n"
    + lib.concatMapStringsSep "\n" (c: "- ${c.what}; got: ${builtins.toJSON c.got}") failures
  )
else
  # The rendered unit file carries the escaped arguments as the module built them.
  pkgs.runCommand "npcnix-module-eval"
    {
      unit = full.systemd.units."npcnix.service".unit;
    }
    ''
      grep -F -- '--once=activate' "$unit/npcnix.service"
      grep -F -- '"--s3-endpoint" "https://minio.internal:9000"' "$unit/npcnix.service"
      grep -Fx 'KillMode=mixed' "$unit/npcnix.service"
      echo "module-eval: ${toString (builtins.length checks)} passed, 0 failed" > $out
    ''
