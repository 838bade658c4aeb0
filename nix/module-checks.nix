# What the npcnix NixOS module must produce, as a list of checks over evaluated host
# configurations. Shared by the offline test (./module-test.nix: nixpkgs' lib.evalModules with
# stand-ins for the rest of NixOS, run by .ci/run) and the nixpkgs one (./module-eval-test.nix:
# real NixOS modules, `nix build .#checks.<system>.module-eval`).
#
# evalHost SETTINGS: the `config` of a host with services.npcnix = { enable = true; package =
# stub; } // SETTINGS (and `extra` merged into the host's configuration when SETTINGS has it).
# Returns [ { what; ok; got; } ].
{
  lib,
  evalHost,
  stub,
}:
let
  q = builtins.toJSON;
  exec = args: lib.concatStringsSep " " (map q args);
  npcnix = "${stub}/bin/npcnix";

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
    tags = [ "canary" "eu-west-1" ];
    activationTimeout = "2h";
    extraArgs = [ "--verbose" ];
    environment.AWS_REGION = "eu-west-1";
    environmentFile = "/run/secrets/npcnix.env";
    extra = {
      nix.envVars.NIX_CURL_FLAGS = "--retry 3";
      networking.proxy.envVars.https_proxy = "http://proxy.internal:3128";
    };
  };
  minimal = evalHost { };
  unlimited = evalHost { activationTimeout = null; };
  elsewhere = evalHost { dataDir = "/persist/npcnix"; };
  badSleep = evalHost {
    minSleepSecs = 600;
    maxSleepSecs = 60;
  };
  sharedDataDir = evalHost { dataDir = "/var/lib"; };
  varDataDir = evalHost { dataDir = "/var"; };
  image = evalHost {
    bootstrap = {
      enable = true;
      ec2 = "tags";
      initialConfiguration = "base";
      timeout = "1h";
    };
  };
  imageWithRemote = evalHost {
    remote = "https://cfg.example.com/npcnix/prod.npcnix";
    configuration = "web";
    bootstrap.enable = true;
  };
  imageWithoutRemote = evalHost { bootstrap.enable = true; };
  checked = evalHost {
    health = {
      systemd = {
        enable = true;
        ignoreUnits = [ "flaky-*.service" ];
        maxFailedUnits = 1;
      };
      urls = [ "http://127.0.0.1:8080/healthz" ];
      commands = [ "systemctl is-active postgresql.service" ];
      remote = true;
      deadline = "10m";
    };
    reboot = {
      policy = "when-needed";
      window = "02:00-04:00";
    };
  };
  checksOff = evalHost {
    health = {
      enable = false;
      remote = true;
    };
  };
  rebootOnly = evalHost { reboot.policy = "always"; };
  bootCounting = evalHost {
    health.remote = true;
    extra.boot.loader.systemd-boot.bootCounting.enable = true;
  };
  bootCountingNoChecks = evalHost { extra.boot.loader.systemd-boot.bootCounting.enable = true; };
  fleet = evalHost {
    hostId = "web-1";
    reportInterval = "6h";
    metrics.enable = true;
    hooks = {
      onSuccess = "notify ok";
      onFailure = "notify \"$NPCNIX_ERROR\"";
      onRollback = "page \"$NPCNIX_RESULT\"";
      timeout = "2m";
    };
    health.remote = true;
  };
  noReports = evalHost { reports.enable = false; };

  # Only the npcnix module's assertions: the rest of NixOS is not under test here.
  failedAssertions =
    config:
    lib.filter (lib.hasPrefix "services.npcnix") (
      map (a: a.message) (lib.filter (a: !a.assertion) config.assertions)
    );
  # An option value the module's types refuse fails the evaluation of the unit.
  rejects =
    settings:
    !(builtins.tryEval (builtins.deepSeq (svc (evalHost settings)).serviceConfig.ExecStart true)).success;

  svc = config: config.systemd.services.npcnix;
  boot = config: config.systemd.services.npcnix-bootstrap;

  expectedFull = exec [
    npcnix
    "--data-dir"
    "/var/lib/npcnix"
    "follow"
    "--once=activate"
    "--declarative"
    "--remote"
    "s3://acme-config/npcnix/remotes/prod.npcnix"
    "--configuration"
    "web"
    "--remote-region"
    "eu-west-1"
    "--s3-endpoint"
    "https://minio.internal:9000"
    "--trusted-public-keys"
    "acme-releases-1:BBBB"
    "--tag"
    "canary"
    "--tag"
    "eu-west-1"
    "--min-sleep-secs"
    "5"
    "--max-sleep-secs"
    "120"
    "--max-sleep-after-hours"
    "24"
    "--operation"
    "boot"
    "--extra-substituters"
    "https://a.example"
    "--extra-substituters"
    "https://b.example"
    "--extra-trusted-public-keys"
    "a.example-1:AAAA"
    "--activation-timeout"
    "2h"
    "--report-interval"
    "3h"
    "--verbose"
  ];
  expectedMinimal = exec [
    npcnix
    "--data-dir"
    "/var/lib/npcnix"
    "follow"
    "--once=activate"
    "--declarative"
    "--min-sleep-secs"
    "5"
    "--max-sleep-secs"
    "120"
    "--max-sleep-after-hours"
    "24"
    "--operation"
    "switch"
    "--activation-timeout"
    "1h"
    "--report-interval"
    "3h"
  ];
  expectedImage = exec [
    npcnix
    "--data-dir"
    "/var/lib/npcnix"
    "bootstrap"
    "--from-ec2"
    "tags"
    "--initial-configuration"
    "base"
    "--timeout"
    "1h"
    "--operation"
    "switch"
    "--activation-timeout"
    "1h"
  ];
  healthFlags = [
    "--health-systemd"
    "--health-ignore-unit"
    "flaky-*.service"
    "--health-max-failed-units"
    "1"
    "--health-url"
    "http://127.0.0.1:8080/healthz"
    "--health-command"
    "systemctl is-active postgresql.service"
    "--health-remote"
    "--health-settle"
    "10s"
    "--health-deadline"
    "10m"
    "--health-interval"
    "10s"
    "--health-http-timeout"
    "10s"
    "--health-command-timeout"
    "60s"
    "--reboot"
    "when-needed"
    "--reboot-window"
    "02:00-04:00"
  ];
in
[
  {
    what = "ExecStart carries every option as its flag, in order, and --declarative";
    ok = (svc full).serviceConfig.ExecStart == expectedFull;
    got = (svc full).serviceConfig.ExecStart;
  }
  {
    what = "a minimal host: no remote, configuration, keys, region or endpoint flag (so config.json keeps the bootstrapped remote and drops the rest)";
    ok = (svc minimal).serviceConfig.ExecStart == expectedMinimal;
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
    what = "environment: nix.envVars and the proxy (as system.autoUpgrade), HOME, LANG, the module's own";
    ok =
      let
        env = (svc full).environment;
      in
      env.NIX_CURL_FLAGS or null == "--retry 3"
      && env.https_proxy or null == "http://proxy.internal:3128"
      && env.HOME == "/root"
      && env.LANG == "C.UTF-8"
      && env.AWS_REGION == "eu-west-1"
      && (svc full).serviceConfig.EnvironmentFile == "/run/secrets/npcnix.env";
    got = (svc full).environment;
  }
  {
    what = "PATH: nix, nixos-rebuild, git and openssh (flake inputs over git+ssh)";
    ok =
      let
        names = map (p: p.name or (toString p)) (svc minimal).path;
      in
      lib.any (lib.hasInfix "openssh") names
      && lib.any (lib.hasInfix "git") names
      && lib.any (lib.hasInfix "nixos-rebuild") names;
    got = map (p: p.name or (toString p)) (svc minimal).path;
  }
  {
    what = "a stop lets a running rebuild finish: KillMode=mixed, TimeoutStopSec = activationTimeout + 60 s";
    ok =
      (svc minimal).serviceConfig.KillMode == "mixed"
      && (svc minimal).serviceConfig.TimeoutStopSec == "3660"
      && (svc full).serviceConfig.TimeoutStopSec == "7260"
      && (svc unlimited).serviceConfig.TimeoutStopSec == "infinity"
      && !lib.hasInfix "--activation-timeout" (svc unlimited).serviceConfig.ExecStart;
    got = map (c: (svc c).serviceConfig.TimeoutStopSec or null) [
      minimal
      full
      unlimited
    ];
  }
  {
    what = "a switch never restarts or stops the daemon";
    ok =
      !(svc minimal).restartIfChanged
      && !(svc minimal).stopIfChanged
      && (svc minimal).serviceConfig.Restart == "always"
      && (svc minimal).unitConfig.X-StopOnRemoval == false;
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
    ok = lib.all (c: failedAssertions c == [ ]) [
      full
      minimal
      elsewhere
      image
      imageWithRemote
    ];
    got = lib.concatMap failedAssertions [
      full
      minimal
      elsewhere
      image
      imageWithRemote
    ];
  }
  {
    what = "minSleepSecs > maxSleepSecs is rejected";
    ok = lib.any (lib.hasPrefix "services.npcnix.minSleepSecs") (failedAssertions badSleep);
    got = failedAssertions badSleep;
  }
  {
    what = "a dataDir that is not npcnix's own (/var/lib, /var) is rejected";
    ok =
      lib.any (lib.hasPrefix "services.npcnix.dataDir (/var/lib)") (failedAssertions sharedDataDir)
      && lib.any (lib.hasPrefix "services.npcnix.dataDir (/var)") (failedAssertions varDataDir);
    got = failedAssertions sharedDataDir ++ failedAssertions varDataDir;
  }
  {
    what = "a malformed remote or activationTimeout fails the evaluation, valid ones pass";
    ok =
      rejects { remote = "s3:/acme-config/prod.npcnix"; }
      && rejects { remote = "ftp://host/prod.npcnix"; }
      && rejects { remote = "https://user:secret@host/prod.npcnix"; }
      && rejects { activationTimeout = "2 hours"; }
      && rejects { activationTimeout = "PT2H"; }
      && !rejects { remote = "file:///srv/npcnix/prod.npcnix"; }
      && !rejects { activationTimeout = "1h30m"; };
    got = null;
  }
  {
    what = "bootstrap.enable: a first-boot unit runs `npcnix bootstrap` with the EC2 source, once, after multi-user.target";
    ok =
      (boot image).serviceConfig.ExecStart == expectedImage
      && (boot image).serviceConfig.Type == "oneshot"
      && (boot image).unitConfig.ConditionPathExists == "!/var/lib/npcnix/config.json"
      && lib.elem "multi-user.target" (boot image).after
      && lib.elem "multi-user.target" (boot image).wantedBy
      && !(boot image).restartIfChanged
      && !(boot image).stopIfChanged
      && (boot image).serviceConfig.KillMode == "mixed";
    got = (boot image).serviceConfig.ExecStart;
  }
  {
    what = "bootstrap.enable: the daemon waits for config.json and the bootstrap starts it when done";
    ok =
      (svc image).unitConfig.ConditionPathExists == "/var/lib/npcnix/config.json"
      && lib.hasSuffix "systemctl start --no-block npcnix.service" (boot image).serviceConfig.ExecStopPost
      && !((svc minimal).unitConfig ? ConditionPathExists)
      && !(minimal.systemd.services ? npcnix-bootstrap);
    got = (boot image).serviceConfig.ExecStopPost;
  }
  {
    what = "bootstrap remote and configuration default to the service's";
    ok =
      lib.hasInfix (exec [
        "bootstrap"
        "--remote"
        "https://cfg.example.com/npcnix/prod.npcnix"
        "--configuration"
        "web"
      ]) (boot imageWithRemote).serviceConfig.ExecStart;
    got = (boot imageWithRemote).serviceConfig.ExecStart;
  }
  {
    what = "bootstrap.enable without a remote or an EC2 source is rejected";
    ok = lib.any (lib.hasPrefix "services.npcnix.bootstrap.enable") (failedAssertions imageWithoutRemote);
    got = failedAssertions imageWithoutRemote;
  }
  {
    what = "health checks and reboots: every option as its flag, after the activation flags";
    ok = lib.hasInfix (exec ([ "1h" ] ++ healthFlags)) (svc checked).serviceConfig.ExecStart;
    got = (svc checked).serviceConfig.ExecStart;
  }
  {
    what = "no check (or health.enable = false): no health flag at all, so a host runs what it ran before";
    ok =
      !lib.hasInfix "--health" (svc minimal).serviceConfig.ExecStart
      && !lib.hasInfix "--health" (svc checksOff).serviceConfig.ExecStart
      && !lib.hasInfix "--reboot" (svc checksOff).serviceConfig.ExecStart;
    got = (svc checksOff).serviceConfig.ExecStart;
  }
  {
    what = "a reboot policy without checks is passed on its own";
    ok =
      lib.hasInfix (exec [
        "--reboot"
        "always"
      ]) (svc rebootOnly).serviceConfig.ExecStart
      && !lib.hasInfix "--health" (svc rebootOnly).serviceConfig.ExecStart;
    got = (svc rebootOnly).serviceConfig.ExecStart;
  }
  {
    what = "boot counting: npcnix-boot-check gates boot-complete.target on the daemon's verdict, and the systemd check ignores it";
    ok =
      let
        gate = bootCounting.systemd.services.npcnix-boot-check;
      in
      gate.requiredBy == [ "boot-complete.target" ]
      && gate.before == [ "boot-complete.target" ]
      && gate.serviceConfig.Type == "oneshot"
      && gate.serviceConfig.RemainAfterExit
      && !gate.restartIfChanged
      && gate.serviceConfig.ExecStart == exec [
        npcnix
        "--data-dir"
        "/var/lib/npcnix"
        "check"
        "--boot"
        "--timeout"
        "1210s"
      ]
      && lib.hasInfix (exec [
        "--health-ignore-unit"
        "npcnix-boot-check.service"
      ]) (svc bootCounting).serviceConfig.ExecStart
      && !(checked.systemd.services ? npcnix-boot-check)
      && !(bootCountingNoChecks.systemd.services ? npcnix-boot-check);
    got = bootCounting.systemd.services.npcnix-boot-check.serviceConfig.ExecStart or null;
  }
  {
    what = "a malformed health URL, ignored unit, duration or reboot window fails the evaluation";
    ok =
      rejects { health.urls = [ "ftp://host/x" ]; }
      && rejects { health.urls = [ "http://user:pw@host/x" ]; }
      && rejects {
        health.systemd = {
          enable = true;
          ignoreUnits = [ "a b.service" ];
        };
      }
      && rejects {
        health = {
          remote = true;
          deadline = "5 minutes";
        };
      }
      && rejects { reboot.window = "2am-4am"; }
      && rejects { reboot.policy = "sometimes"; }
      && !rejects { reboot.window = "22:30-01:00"; };
    got = null;
  }
  {
    what = "fleet: host id, report interval, metrics file in node_exporter's textfile directory, hooks and their timeout, after the health flags";
    ok =
      lib.hasSuffix (exec [
        "--health-command-timeout"
        "60s"
        "--host-id"
        "web-1"
        "--report-interval"
        "6h"
        "--metrics-file"
        "/var/lib/prometheus-node-exporter-text-files/npcnix.prom"
        "--on-success"
        "notify ok"
        "--on-failure"
        "notify \"$$NPCNIX_ERROR\"" # systemd's escape of $: the shell sees $NPCNIX_ERROR
        "--on-rollback"
        "page \"$$NPCNIX_RESULT\""
        "--hook-timeout"
        "2m"
      ]) (svc fleet).serviceConfig.ExecStart
      && fleet.services.prometheus.exporters.node.enabledCollectors == [ "textfile" ]
      && fleet.services.prometheus.exporters.node.extraFlags == [
        "--collector.textfile.directory=/var/lib/prometheus-node-exporter-text-files"
      ]
      && lib.elem "d /var/lib/prometheus-node-exporter-text-files 0755 root root -" fleet.systemd.tmpfiles.rules
      && minimal.services.prometheus.exporters.node.enabledCollectors == [ ];
    got = (svc fleet).serviceConfig.ExecStart;
  }
  {
    what = "reports.enable = false passes --no-reports and no interval; a bad host id is refused";
    ok =
      lib.hasSuffix (exec [ "--no-reports" ]) (svc noReports).serviceConfig.ExecStart
      && !(lib.hasInfix "--report-interval" (svc noReports).serviceConfig.ExecStart)
      && rejects { hostId = "../etc"; };
    got = (svc noReports).serviceConfig.ExecStart;
  }
]
