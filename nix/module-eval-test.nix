# Evaluates NixOS configurations that use the npcnix module and checks the unit they
# produce: flags built from options, environment, state directory, assertions.
# Cheap (no VM, and a stub instead of the real package): `nix build .#checks.<system>.module-eval`.
{ pkgs, self, ... }:
let
  inherit (pkgs) lib;

  stub = pkgs.writeShellScriptBin "npcnix" "exit 0";

  evalHost =
    npcnix:
    (import (pkgs.path + "/nixos/lib/eval-config.nix") {
      system = null;
      modules = [
        self.nixosModules.default
        {
          nixpkgs.hostPlatform = pkgs.stdenv.hostPlatform.system;
          boot.isContainer = true;
          system.stateVersion = lib.trivial.release;
          services.npcnix = {
            enable = true;
            package = stub;
          } // npcnix;
        }
      ];
    }).config;

  full = evalHost {
    remote = "s3://acme-config/npcnix/remotes/prod.npcnix";
    configuration = "web";
    remoteRegion = "eu-west-1";
    s3Endpoint = "https://minio.internal:9000";
    operation = "boot";
    extraSubstituters = [
      "https://a.example"
      "https://b.example"
    ];
    extraTrustedPublicKeys = [ "a.example-1:AAAA" ];
    trustedPublicKeys = [ "acme-releases-1:BBBB" ];
    activationTimeout = "2h";
    extraArgs = [ "--verbose" ];
    environment.AWS_REGION = "eu-west-1";
    environmentFile = "/run/secrets/npcnix.env";
  };
  minimal = evalHost { };
  elsewhere = evalHost { dataDir = "/persist/npcnix"; };
  badSleep = evalHost {
    minSleepSecs = 600;
    maxSleepSecs = 60;
  };

  # Only the npcnix module's assertions: the rest of NixOS is not under test here.
  failedAssertions =
    config:
    lib.filter (lib.hasPrefix "services.npcnix") (
      map (a: a.message) (lib.filter (a: !a.assertion) config.assertions)
    );

  q = builtins.toJSON;
  expectedFull = lib.concatStringsSep " " (
    map q [
      "${stub}/bin/npcnix"
      "--data-dir"
      "/var/lib/npcnix"
      "follow"
      "--once=activate"
      "--remote"
      "s3://acme-config/npcnix/remotes/prod.npcnix"
      "--configuration"
      "web"
      "--remote-region"
      "eu-west-1"
      "--s3-endpoint"
      "https://minio.internal:9000"
      "--operation"
      "boot"
      "--extra-substituters"
      "https://a.example"
      "--extra-substituters"
      "https://b.example"
      "--extra-trusted-public-keys"
      "a.example-1:AAAA"
      "--trusted-public-keys"
      "acme-releases-1:BBBB"
      "--min-sleep-secs"
      "5"
      "--max-sleep-secs"
      "120"
      "--max-sleep-after-hours"
      "24"
      "--activation-timeout"
      "2h"
      "--verbose"
    ]
  );

  svc = config: config.systemd.services.npcnix;

  checks = [
    {
      what = "ExecStart carries every option as its flag, in order";
      ok = (svc full).serviceConfig.ExecStart == expectedFull;
      got = (svc full).serviceConfig.ExecStart;
    }
    {
      what = "null options add no flag";
      ok =
        !lib.hasInfix "--remote" (svc minimal).serviceConfig.ExecStart
        && !lib.hasInfix "--configuration" (svc minimal).serviceConfig.ExecStart
        && lib.hasInfix (q "--operation") (svc minimal).serviceConfig.ExecStart;
      got = (svc minimal).serviceConfig.ExecStart;
    }
    {
      what = "JVM options and tmpdir in NPCNIX_JAVA_OPTS";
      ok =
        (svc minimal).environment.NPCNIX_JAVA_OPTS
        == "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=16m -Xmx64m -Xmn2m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:MaxMetaspaceSize=64m -Djava.io.tmpdir=/var/lib/npcnix/jvm-tmp";
      got = (svc minimal).environment.NPCNIX_JAVA_OPTS;
    }
    {
      what = "environment and environmentFile reach the unit";
      ok =
        (svc full).environment.AWS_REGION == "eu-west-1"
        && (svc full).serviceConfig.EnvironmentFile == "/run/secrets/npcnix.env";
      got = (svc full).serviceConfig.EnvironmentFile or null;
    }
    {
      what = "a switch never restarts or stops the daemon";
      ok =
        !(svc minimal).restartIfChanged
        && !(svc minimal).stopIfChanged
        && (svc minimal).serviceConfig.Restart == "always";
      got = (svc minimal).serviceConfig.Restart;
    }
    {
      what = "StateDirectory under /var/lib, 0700, with jvm-tmp";
      ok =
        (svc minimal).serviceConfig.StateDirectory == [
          "npcnix"
          "npcnix/jvm-tmp"
        ]
        && (svc minimal).serviceConfig.StateDirectoryMode == "0700"
        && !lib.any (lib.hasInfix "/var/lib/npcnix") minimal.systemd.tmpfiles.rules;
      got = (svc minimal).serviceConfig.StateDirectory or null;
    }
    {
      what = "tmpfiles rules (and no StateDirectory) outside /var/lib";
      ok =
        !((svc elsewhere).serviceConfig ? StateDirectory)
        && lib.elem "d /persist/npcnix 0700 root root -" elsewhere.systemd.tmpfiles.rules
        && lib.elem "d /persist/npcnix/jvm-tmp 0700 root root -" elsewhere.systemd.tmpfiles.rules
        && elsewhere.environment.variables.NPCNIX_DATA_DIR == "/persist/npcnix";
      got = elsewhere.systemd.tmpfiles.rules;
    }
    {
      what = "package on the system PATH for the administrator";
      ok = lib.elem stub minimal.environment.systemPackages;
      got = null;
    }
    {
      what = "the module's own assertions hold for valid settings";
      ok = failedAssertions full == [ ] && failedAssertions minimal == [ ];
      got = failedAssertions full ++ failedAssertions minimal;
    }
    {
      what = "minSleepSecs > maxSleepSecs is rejected";
      ok = lib.any (lib.hasPrefix "services.npcnix.minSleepSecs") (failedAssertions badSleep);
      got = failedAssertions badSleep;
    }
  ];

  failures = lib.filter (c: !c.ok) checks;
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
      echo "${toString (builtins.length checks)} passed, 0 failed" > $out
    ''
