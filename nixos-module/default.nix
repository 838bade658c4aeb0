# The npcnix NixOS module: a systemd service that runs `npcnix follow --once=activate`,
# which polls the remote and runs nixos-rebuild when a new release appears. The
# options are declared in ./options.nix. Works without flakes (import this file and
# set services.npcnix.package); the flake's nixosModules.default also sets the package.
{
  config,
  lib,
  pkgs,
  utils,
  ...
}:
let
  cfg = config.services.npcnix;

  jvmTmpDir = "${cfg.dataDir}/jvm-tmp";
  stateDirectory = lib.removePrefix "/var/lib/" cfg.dataDir;
  # systemd creates and owns a StateDirectory (under /var/lib); elsewhere tmpfiles does.
  dataDirIsStateDirectory = lib.hasPrefix "/var/lib/" cfg.dataDir;

  optionalFlag = flag: value: lib.optionals (value != null) [ flag value ];
  repeatedFlag = flag: values: lib.concatMap (value: [ flag value ]) values;

  followArgs =
    [
      (lib.getExe' cfg.package "npcnix")
      "--data-dir"
      cfg.dataDir
      "follow"
      "--once=activate"
    ]
    ++ optionalFlag "--remote" cfg.remote
    ++ optionalFlag "--configuration" cfg.configuration
    ++ optionalFlag "--remote-region" cfg.remoteRegion
    ++ optionalFlag "--s3-endpoint" cfg.s3Endpoint
    ++ [
      "--operation"
      cfg.operation
    ]
    ++ repeatedFlag "--extra-substituters" cfg.extraSubstituters
    ++ repeatedFlag "--extra-trusted-public-keys" cfg.extraTrustedPublicKeys
    ++ repeatedFlag "--trusted-public-keys" cfg.trustedPublicKeys
    ++ [
      "--min-sleep-secs"
      (toString cfg.minSleepSecs)
      "--max-sleep-secs"
      (toString cfg.maxSleepSecs)
      "--max-sleep-after-hours"
      (toString cfg.maxSleepAfterHours)
    ]
    ++ optionalFlag "--activation-timeout" cfg.activationTimeout
    ++ cfg.extraArgs;
in
{
  imports = [ ./options.nix ];

  config = lib.mkIf cfg.enable {
    assertions = [
      {
        assertion = cfg.minSleepSecs <= cfg.maxSleepSecs;
        message = "services.npcnix.minSleepSecs (${toString cfg.minSleepSecs}) must not exceed services.npcnix.maxSleepSecs (${toString cfg.maxSleepSecs}).";
      }
      {
        assertion = cfg.environmentFile == null || builtins.isString cfg.environmentFile;
        message = "services.npcnix.environmentFile must be a string such as \"/run/secrets/npcnix.env\": a Nix path would copy the secrets into the world-readable /nix/store.";
      }
    ];

    # The administrator's `npcnix status | pause | unpause | retry`, on the same data dir.
    environment.systemPackages = [ cfg.package ];
    environment.variables = lib.mkIf (cfg.dataDir != "/var/lib/npcnix") {
      NPCNIX_DATA_DIR = cfg.dataDir;
    };

    systemd.tmpfiles.rules =
      lib.optional (!dataDirIsStateDirectory) "d ${cfg.dataDir} 0700 root root -"
      ++ lib.optional (!dataDirIsStateDirectory) "d ${jvmTmpDir} 0700 root root -";

    systemd.services.npcnix = {
      description = "npcnix: follow the NixOS configuration published to the remote";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" ];

      # The daemon runs nixos-rebuild itself: a switch must never stop or restart it
      # (that would kill the activation it is running). It exits after a successful
      # activation (--once=activate) and Restart=always starts the new generation's
      # binary. If a new generation drops the module, the old daemon also finishes
      # instead of being stopped mid-activation.
      restartIfChanged = false;
      stopIfChanged = false;
      reloadIfChanged = false;
      unitConfig.X-StopOnRemoval = false;

      path = [
        config.nix.package
        (config.system.build.nixos-rebuild or pkgs.nixos-rebuild)
        pkgs.git
        pkgs.coreutils
      ];

      # JOURNAL_STREAM is set by systemd itself: with it the daemon logs without
      # timestamps, journald adds them.
      environment =
        config.networking.proxy.envVars
        // {
          # nix keeps its flake and fetcher caches under $HOME/.cache, as for nixos-upgrade.
          HOME = "/root";
          # Without a UTF-8 locale the JVM cannot encode non-ASCII file names in a flake.
          LANG = "C.UTF-8";
          NPCNIX_JAVA_OPTS = lib.concatStringsSep " " (cfg.javaOptions ++ [ "-Djava.io.tmpdir=${jvmTmpDir}" ]);
        }
        // cfg.environment;

      serviceConfig =
        {
          Type = "exec";
          ExecStart = utils.escapeSystemdExecArgs followArgs;
          Restart = "always";
          RestartSec = 15;

          # Hardening that leaves nixos-rebuild working. Root on NixOS uses the store
          # directly, so nix evaluates and builds *inside this unit*, and whatever the
          # unit forbids, local builds (sandbox: namespaces, mounts, chroot, setuid to
          # nixbld users) and the fallback activation path inherit. Kept:
          UMask = "0077"; # the daemon's files are root-only; nix sets its own umask for
          # builders and store paths, and switch-to-configuration runs in a transient
          # unit (systemd-run, started by nixos-rebuild) with the default umask.
          RestrictRealtime = true; # no build or activation step needs realtime scheduling.
          # Left out on purpose:
          # - ProtectSystem, ProtectHome, ReadOnlyPaths: nix writes /nix, $HOME/.cache and
          #   the system profile; activation writes /etc, /boot, /var.
          # - PrivateTmp: nixos-rebuild and nix hand temp paths to other units.
          # - NoNewPrivileges, RestrictSUIDSGID, CapabilityBoundingSet: activation installs
          #   setuid wrappers (/run/wrappers) and needs every capability.
          # - SystemCallFilter, RestrictNamespaces, ProtectHostname, ProtectKernel*,
          #   PrivateDevices, ProtectClock (implies a device allow-list): the nix sandbox
          #   needs unshare/mount/sethostname, and builds may need /dev/kvm or /dev/fuse.
          # - LockPersonality: i686 builds on x86_64 call personality(PER_LINUX32).
          # - MemoryDenyWriteExecute: the JVM's JIT needs writable+executable memory.
          # - PrivateNetwork, IPAddressDeny: the daemon fetches from the store and caches.
        }
        // lib.optionalAttrs dataDirIsStateDirectory {
          StateDirectory = [
            stateDirectory
            "${stateDirectory}/jvm-tmp"
          ];
          StateDirectoryMode = "0700";
        }
        // lib.optionalAttrs (cfg.environmentFile != null) {
          EnvironmentFile = cfg.environmentFile;
        };
    };
  };
}
