# The npcnix NixOS module: a systemd service that runs `npcnix follow --once=activate`,
# which polls the remote and runs nixos-rebuild when a new release appears, and optionally a
# first-boot `npcnix bootstrap` (bootstrap.enable). The options are declared in ./options.nix.
# Works without flakes (import this file and set services.npcnix.package); the flake's
# nixosModules.default also sets the package. nix/module-test.nix evaluates it offline.
{
  config,
  lib,
  pkgs,
  utils,
  ...
}:
let
  cfg = config.services.npcnix;
  npcnix = lib.getExe' cfg.package "npcnix";

  jvmTmpDir = "${cfg.dataDir}/jvm-tmp";
  stateDirectory = lib.removePrefix "/var/lib/" cfg.dataDir;
  # systemd creates and owns a StateDirectory (under /var/lib); elsewhere tmpfiles does.
  dataDirIsStateDirectory = lib.hasPrefix "/var/lib/" cfg.dataDir;
  # Directories that hold other programs' files too: tmpfiles (or StateDirectory) would make
  # them root-only (0700).
  sharedDirectories = [
    "/bin"
    "/boot"
    "/dev"
    "/etc"
    "/home"
    "/nix"
    "/nix/store"
    "/nix/var"
    "/opt"
    "/proc"
    "/root"
    "/run"
    "/srv"
    "/sys"
    "/tmp"
    "/usr"
    "/var"
    "/var/cache"
    "/var/empty"
    "/var/lib"
    "/var/lib/private"
    "/var/log"
    "/var/tmp"
  ];

  optionalFlag = flag: value: lib.optionals (value != null) [ flag value ];
  repeatedFlag = flag: values: lib.concatMap (value: [ flag value ]) values;

  # A duration of options.nix (90s, 45m, 1h30m, 1d) in seconds.
  seconds =
    duration:
    let
      unit = {
        d = 86400;
        h = 3600;
        m = 60;
        s = 1;
      };
      parts = lib.filter lib.isList (builtins.split "([0-9]+)([dhms])" duration);
    in
    lib.foldl' (sum: part: sum + lib.toIntBase10 (lib.head part) * unit.${lib.last part}) 0 parts;

  # Store and activation flags shared by follow and bootstrap.
  storeArgs =
    optionalFlag "--remote-region" cfg.remoteRegion ++ optionalFlag "--s3-endpoint" cfg.s3Endpoint;
  activationArgs =
    [
      "--operation"
      cfg.operation
    ]
    ++ repeatedFlag "--extra-substituters" cfg.extraSubstituters
    ++ repeatedFlag "--extra-trusted-public-keys" cfg.extraTrustedPublicKeys
    ++ optionalFlag "--activation-timeout" cfg.activationTimeout;

  health = cfg.health;
  anyCheck =
    health.enable
    && (health.systemd.enable || health.urls != [ ] || health.commands != [ ] || health.remote);
  # Health checks and reboots (safe activation): only the flags that say something, so a host
  # without checks runs exactly the command line it always did.
  healthArgs =
    lib.optionals anyCheck (
      lib.optional health.systemd.enable "--health-systemd"
      ++ repeatedFlag "--health-ignore-unit" (
        health.systemd.ignoreUnits ++ lib.optional cfg.health.markBootGood "npcnix-boot-check.service"
      )
      ++ lib.optionals (health.systemd.maxFailedUnits != 0) [
        "--health-max-failed-units"
        (toString health.systemd.maxFailedUnits)
      ]
      ++ repeatedFlag "--health-url" health.urls
      ++ repeatedFlag "--health-command" health.commands
      ++ lib.optional health.remote "--health-remote"
      ++ [
        "--health-settle"
        health.settle
        "--health-deadline"
        health.deadline
        "--health-interval"
        health.interval
        "--health-http-timeout"
        health.httpTimeout
        "--health-command-timeout"
        health.commandTimeout
      ]
    )
    ++ lib.optionals (cfg.reboot.policy != "never") [
      "--reboot"
      cfg.reboot.policy
    ]
    ++ optionalFlag "--reboot-window" cfg.reboot.window;

  # How long the boot gate waits for the daemon's verdict: the daemon starts after the network,
  # settles, checks until the deadline; 15 minutes more for a slow start.
  bootCheckTimeout = toString (seconds health.settle + seconds health.deadline + 900) + "s";

  followArgs =
    [
      npcnix
      "--data-dir"
      cfg.dataDir
      "follow"
      "--once=activate"
      # The options below are the whole truth: what they leave out is cleared from config.json.
      "--declarative"
    ]
    ++ optionalFlag "--remote" cfg.remote
    ++ optionalFlag "--configuration" cfg.configuration
    ++ storeArgs
    ++ repeatedFlag "--trusted-public-keys" cfg.trustedPublicKeys
    ++ repeatedFlag "--tag" cfg.tags
    ++ [
      "--min-sleep-secs"
      (toString cfg.minSleepSecs)
      "--max-sleep-secs"
      (toString cfg.maxSleepSecs)
      "--max-sleep-after-hours"
      (toString cfg.maxSleepAfterHours)
    ]
    ++ activationArgs
    ++ healthArgs
    ++ optionalFlag "--host-id" cfg.hostId
    ++ (if cfg.reports.enable then [ "--report-interval" cfg.reportInterval ] else [ "--no-reports" ])
    ++ lib.optionals cfg.metrics.enable [
      "--metrics-file"
      "${cfg.metrics.directory}/npcnix.prom"
    ]
    ++ optionalFlag "--on-success" cfg.hooks.onSuccess
    ++ optionalFlag "--on-failure" cfg.hooks.onFailure
    ++ optionalFlag "--on-rollback" cfg.hooks.onRollback
    ++ lib.optionals (cfg.hooks.onSuccess != null || cfg.hooks.onFailure != null || cfg.hooks.onRollback != null) [
      "--hook-timeout"
      cfg.hooks.timeout
    ]
    ++ cfg.extraArgs;

  bootstrapArgs =
    [
      npcnix
      "--data-dir"
      cfg.dataDir
      "bootstrap"
    ]
    ++ optionalFlag "--remote" cfg.bootstrap.remote
    ++ optionalFlag "--configuration" cfg.bootstrap.configuration
    ++ optionalFlag "--from-ec2" cfg.bootstrap.ec2
    ++ optionalFlag "--initial-configuration" cfg.bootstrap.initialConfiguration
    ++ [
      "--timeout"
      cfg.bootstrap.timeout
    ]
    ++ storeArgs
    ++ repeatedFlag "--trusted-public-keys" cfg.trustedPublicKeys
    ++ repeatedFlag "--tag" cfg.tags
    ++ activationArgs;

  # A stop lets a running nixos-rebuild finish (the daemon waits for it on SIGTERM): the rebuild's
  # own limit plus a minute to record the outcome. Without a limit, no limit.
  stopTimeout =
    if cfg.activationTimeout == null then "infinity" else toString (seconds cfg.activationTimeout + 60);

  # What both units run with: nix evaluates and builds inside them.
  path = [
    config.nix.package
    (config.system.build.nixos-rebuild or pkgs.nixos-rebuild)
    pkgs.git
    # flake inputs over git+ssh (as system.autoUpgrade has it)
    pkgs.openssh
    pkgs.coreutils
    # setsid: a health command or a hook runs in a process group of its own, killed whole at its timeout
    pkgs.util-linux
    # systemctl (the systemd check, reboots) and nix-env (commits, rollbacks) of this system
    config.systemd.package
  ];

  # JOURNAL_STREAM is set by systemd itself: with it the daemon logs without
  # timestamps, journald adds them.
  environment =
    config.nix.envVars
    // config.networking.proxy.envVars
    // {
      # nix keeps its flake and fetcher caches under $HOME/.cache, as for nixos-upgrade.
      HOME = "/root";
      # Without a UTF-8 locale the JVM cannot encode non-ASCII file names in a flake.
      LANG = "C.UTF-8";
      NPCNIX_JAVA_OPTS = lib.concatStringsSep " " (cfg.javaOptions ++ [ "-Djava.io.tmpdir=${jvmTmpDir}" ]);
    }
    // cfg.environment;

  stateDirectoryConfig =
    lib.optionalAttrs dataDirIsStateDirectory {
      StateDirectory = [
        stateDirectory
        "${stateDirectory}/jvm-tmp"
      ];
      StateDirectoryMode = "0700";
    }
    // lib.optionalAttrs (cfg.environmentFile != null) {
      EnvironmentFile = cfg.environmentFile;
    };
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
        assertion = !lib.elem cfg.dataDir sharedDirectories;
        message = "services.npcnix.dataDir (${cfg.dataDir}) must be a directory of npcnix's own, such as /var/lib/npcnix: it is made root-only (0700).";
      }
      {
        assertion =
          !cfg.bootstrap.enable
          || (cfg.bootstrap.remote != null || cfg.bootstrap.ec2 != null)
            && (cfg.bootstrap.configuration != null || cfg.bootstrap.ec2 != null);
        message = "services.npcnix.bootstrap.enable needs a remote and a configuration: set services.npcnix.bootstrap.remote and .configuration (or services.npcnix.remote and .configuration), or services.npcnix.bootstrap.ec2 to read them from the instance.";
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
      ++ lib.optional (!dataDirIsStateDirectory) "d ${jvmTmpDir} 0700 root root -"
      ++ lib.optional cfg.metrics.enable "d ${cfg.metrics.directory} 0755 root root -";

    # node_exporter's textfile collector reads the metrics file (the exporter itself is the host's choice).
    services.prometheus.exporters.node = lib.mkIf cfg.metrics.enable {
      enabledCollectors = [ "textfile" ];
      extraFlags = [ "--collector.textfile.directory=${cfg.metrics.directory}" ];
    };

    systemd.services.npcnix = {
      description = "npcnix: follow the NixOS configuration published to the remote";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" ];
      # With a first-boot bootstrap, the daemon waits for it (which starts it when done).
      unitConfig =
        {
          X-StopOnRemoval = false;
        }
        // lib.optionalAttrs cfg.bootstrap.enable {
          ConditionPathExists = "${cfg.dataDir}/config.json";
        };

      # The daemon runs nixos-rebuild itself: a switch must never stop or restart it
      # (that would kill the activation it is running). It exits after a successful
      # activation (--once=activate) and Restart=always starts the new generation's
      # binary. If a new generation drops the module, the old daemon also finishes
      # instead of being stopped mid-activation.
      restartIfChanged = false;
      stopIfChanged = false;
      reloadIfChanged = false;

      inherit path environment;

      serviceConfig =
        {
          Type = "exec";
          ExecStart = utils.escapeSystemdExecArgs followArgs;
          Restart = "always";
          RestartSec = 15;
          # A stop or reboot during an activation lets nixos-rebuild finish (as nixpkgs'
          # cachix-agent unit protects its deployments): SIGTERM goes to the daemon alone, which
          # waits for the rebuild; the rest of the unit is killed only after TimeoutStopSec.
          KillMode = "mixed";
          TimeoutStopSec = stopTimeout;

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
        // stateDirectoryConfig;
    };

    # systemd-boot boot counting: a boot is good (systemd-bless-boot, after boot-complete.target)
    # only when the daemon's checks passed in it. The gate waits for the daemon's verdict in
    # state.json; started by a switch rather than a boot it returns at once (see npcnix check --boot).
    systemd.services.npcnix-boot-check = lib.mkIf (cfg.health.markBootGood && anyCheck) {
      description = "npcnix: this boot is good only when the daemon's health checks passed";
      requiredBy = [ "boot-complete.target" ];
      before = [ "boot-complete.target" ];
      wants = [ "npcnix.service" ];
      restartIfChanged = false;
      unitConfig.X-StopOnRemoval = false;
      environment = {
        LANG = "C.UTF-8";
        NPCNIX_JAVA_OPTS = environment.NPCNIX_JAVA_OPTS;
      };
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = utils.escapeSystemdExecArgs [
          npcnix
          "--data-dir"
          cfg.dataDir
          "check"
          "--boot"
          "--timeout"
          bootCheckTimeout
        ];
        # npcnix bounds the wait itself (--timeout)
        TimeoutStartSec = "infinity";
        UMask = "0077";
      };
    };

    # First boot of an image: configure the host and do its first switch, then hand over to the
    # daemon. After multi-user.target (as nixpkgs' amazon-init): the switch it runs starts and
    # restarts units, which must not wait for boot jobs that wait for this unit.
    systemd.services.npcnix-bootstrap = lib.mkIf cfg.bootstrap.enable {
      description = "npcnix: first boot, follow the remote and switch to the published configuration";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [
        "network-online.target"
        "multi-user.target"
      ];
      # Once: a host that has a config.json was bootstrapped (or is configured by hand).
      unitConfig = {
        ConditionPathExists = "!${cfg.dataDir}/config.json";
        X-StopOnRemoval = false;
      };
      # Its own switch must not stop or restart it, whatever the new generation says.
      restartIfChanged = false;
      stopIfChanged = false;
      reloadIfChanged = false;

      inherit path environment;

      serviceConfig = {
        Type = "oneshot";
        ExecStart = utils.escapeSystemdExecArgs bootstrapArgs;
        # The daemon polls from now on, whether the first switch worked or not ("-": a daemon
        # that cannot start does not fail the bootstrap).
        ExecStopPost = "-${config.systemd.package}/bin/systemctl start --no-block npcnix.service";
        # npcnix bounds the wait (timeout) and each rebuild (activationTimeout) itself.
        TimeoutStartSec = "infinity";
        KillMode = "mixed";
        TimeoutStopSec = stopTimeout;
        UMask = "0077";
      }
      // stateDirectoryConfig;
    };
  };
}
