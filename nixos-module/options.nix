# Options of the npcnix NixOS module (services.npcnix). Declarations only: the
# service they produce is in ./default.nix. docs/nixos-module.md documents every
# option; NixosOptionsDocTest (npcnix-cli) fails when one is missing there.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  cfg = config.services.npcnix;
  inherit (lib) literalExpression mkEnableOption mkOption types;

  # An absolute path as a string (a Nix path literal would be copied to the store),
  # without spaces, empty components or a trailing slash.
  absolutePath = types.strMatching "(/[^/[:space:]]+)+";

  # What `npcnix` accepts as a remote (RemoteUri): checked here, so a typo fails the evaluation
  # instead of a unit that exits 2 and restarts forever. No credentials in the URI.
  remoteUri = types.strMatching "s3://[^/@[:space:]]+/[^[:space:]]+|file:///[^[:space:]]*[^/[:space:]]|https?://[^/@[:space:]]+(/[^[:space:]]*)?";

  # Durations both npcnix and systemd read the same way: 90s, 45m, 2h, 1h30m, 1d.
  duration = types.strMatching "([0-9]+[dhms])+";

  # What `npcnix follow --health-url` accepts: an http(s) URL without credentials or spaces.
  healthUrl = types.strMatching "https?://[^/@[:space:]]+(/[^[:space:]]*)?";

  # A unit name or glob (`*`, `?`), as `--health-ignore-unit` takes it.
  unitGlob = types.strMatching "[A-Za-z0-9:_.@*?\\-]+";
in
{
  options.services.npcnix = {
    enable = mkEnableOption "npcnix, which keeps this host on the NixOS configuration published to its remote";

    package = mkOption {
      type = types.package;
      default =
        pkgs.npcnix or (throw "services.npcnix.package: nixpkgs has no npcnix; import the module from the npcnix flake (nixosModules.default), which sets it, or set it yourself");
      defaultText = literalExpression "npcnix.packages.\${pkgs.stdenv.hostPlatform.system}.npcnix (set by the flake's nixosModules.default)";
      example = literalExpression "inputs.npcnix.packages.\${pkgs.stdenv.hostPlatform.system}.default";
      description = ''
        The npcnix package. It provides `bin/npcnix` (a launcher plus its jars, wrapped
        with a headless JRE) for the service and for the administrator's
        `npcnix status | pause | unpause` (it is added to `environment.systemPackages`).
      '';
    };

    remote = mkOption {
      type = types.nullOr remoteUri;
      default = null;
      example = "s3://acme-config/npcnix/remotes/prod.npcnix";
      description = ''
        Remote to follow: `s3://BUCKET/KEY`, `file:///ABS/PATH`, `https://…` or `http://…`
        (checked when the configuration is evaluated). Passed as `--remote` on every start.
        `null`: the daemon uses the remote that `npcnix bootstrap` (or
        {option}`services.npcnix.bootstrap.enable`) wrote to {option}`services.npcnix.dataDir`.
      '';
    };

    configuration = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "web";
      description = ''
        Name of the `nixosConfigurations.<name>` in the published flake that this host
        activates (`--configuration`). `null`: the one `npcnix bootstrap` wrote to the
        data dir. Setting it to `config.networking.hostName` is a common choice.
      '';
    };

    remoteRegion = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "eu-west-1";
      description = ''
        AWS region of the remote's bucket (`--remote-region`). `null`: no region in the
        host's `config.json` (the module's options are the source of truth: a region written
        earlier, by `bootstrap` or by this option, is removed), so the SDK's default chain
        decides (`AWS_REGION`, the instance metadata). Only used by `s3://` remotes.
      '';
    };

    s3Endpoint = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "https://minio.internal:9000";
      description = ''
        Endpoint of an S3-compatible server (MinIO, Garage, Cloudflare R2) instead of AWS
        (`--s3-endpoint`). Path-style requests are used whenever an endpoint is set.
        `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` in {option}`services.npcnix.environment`
        work too. `null`: no endpoint in the host's `config.json` (one written earlier is
        removed), so AWS S3 unless those variables say otherwise.
      '';
    };

    dataDir = mkOption {
      type = absolutePath;
      default = "/var/lib/npcnix";
      example = "/persist/npcnix";
      description = ''
        The host's npcnix state (`--data-dir`): `config.json`, `state.json`, the activation
        lock, downloads in progress, and `jvm-tmp/` (the JVM's temporary directory, see
        {option}`services.npcnix.javaOptions`). Owned by root, mode 0700. Under
        `/var/lib` it is the unit's `StateDirectory`; elsewhere tmpfiles rules create it.
        It must be a directory of npcnix's own (an assertion rejects `/var/lib`, `/var`,
        `/nix`, `/etc`, … which would be made root-only).
      '';
    };

    minSleepSecs = mkOption {
      type = types.ints.positive;
      default = 5;
      example = 30;
      description = ''
        Shortest pause between two polls of the remote, in seconds (`--min-sleep-secs`),
        used right after a change. Each pause is randomised by ×0.5–1.5 so that a fleet
        does not poll in step.
      '';
    };

    maxSleepSecs = mkOption {
      type = types.ints.positive;
      default = 120;
      example = 600;
      description = ''
        Longest pause between two polls, in seconds (`--max-sleep-secs`). The pause grows
        from {option}`services.npcnix.minSleepSecs` to this value over
        {option}`services.npcnix.maxSleepAfterHours` since the last change. With many
        hosts, this value sets the request rate: hosts / maxSleepSecs requests per second.
      '';
    };

    maxSleepAfterHours = mkOption {
      type = types.ints.positive;
      default = 24;
      example = 6;
      description = ''
        Hours after the last change at which the pause reaches
        {option}`services.npcnix.maxSleepSecs` (`--max-sleep-after-hours`).
      '';
    };

    operation = mkOption {
      type = types.enum [
        "switch"
        "boot"
        "test"
      ];
      default = "switch";
      example = "boot";
      description = ''
        How a new release is activated (`--operation`): `nixos-rebuild switch` (activate now
        and make it the boot default), `boot` (boot default only, active after the next
        reboot) or `test` (activate now, not kept across a reboot).
      '';
    };

    extraSubstituters = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "https://acme.cachix.org" ];
      description = ''
        Binary caches added for activations (`--extra-substituters`, once per value;
        passed to `nixos-rebuild` as `--option extra-substituters`).
      '';
    };

    extraTrustedPublicKeys = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "acme.cachix.org-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ];
      description = ''
        Signing keys of {option}`services.npcnix.extraSubstituters`
        (`--extra-trusted-public-keys`, once per value). These are keys of binary caches,
        not of releases: see {option}`services.npcnix.trustedPublicKeys`.
      '';
    };

    trustedPublicKeys = mkOption {
      type = types.listOf (types.strMatching "[^:[:space:]]+:[A-Za-z0-9+/]+={0,2}");
      default = [ ];
      example = [ "acme-releases-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ];
      description = ''
        Ed25519 public keys in Nix's format (`name:base64`, as printed by
        `nix key convert-secret-to-public`) that a release's `.npcnix/manifest.json` must be
        signed with (`--trusted-public-keys`, once per value). With keys set, write access to
        the bucket alone no longer suffices to change this host. Empty: signatures are not
        required, and keys written earlier (by `npcnix bootstrap --trusted-public-keys` or an
        earlier value of this option) are removed from the host's `config.json` at the next
        start of the service: the module's options are the source of truth.
      '';
    };

    tags = mkOption {
      type = types.listOf (types.strMatching "[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
      default = [ ];
      example = [ "canary" "eu-west-1" ];
      description = ''
        Tags of this host, which a staged rollout's waves select hosts by (`--tag`, once per
        value; docs/rollouts.md). A host with no tag a wave asks for falls into a percentage wave,
        or the last one. Written to `config.json`; removed from it when the list is emptied.
      '';
    };

    activationTimeout = mkOption {
      type = types.nullOr duration;
      default = "1h";
      example = "2h";
      description = ''
        Longest time one `nixos-rebuild` may run before it is stopped and the attempt
        counted as failed (`--activation-timeout`), as a duration such as `45m`, `2h` or
        `1h30m` (checked when the configuration is evaluated). A `systemctl stop` or a
        reboot while a rebuild runs lets it finish: the unit has `KillMode=mixed` (only the
        daemon gets SIGTERM; it waits for the rebuild) and `TimeoutStopSec` is this
        duration plus one minute. `null`: no limit, and systemd waits for the rebuild
        without limit when stopping.
      '';
    };

    javaOptions = mkOption {
      type = types.listOf (types.strMatching "[^[:space:]]+");
      default = [
        "-XX:+UseSerialGC"
        "-XX:TieredStopAtLevel=1"
        "-XX:CICompilerCount=1"
        "-XX:ReservedCodeCacheSize=16m"
        "-Xmx64m"
        "-Xmn2m"
        "-XX:MinHeapFreeRatio=10"
        "-XX:MaxHeapFreeRatio=30"
        "-XX:MaxMetaspaceSize=64m"
      ];
      example = [
        "-XX:+UseSerialGC"
        "-Xmx96m"
      ];
      description = ''
        JVM options of the daemon, passed in `NPCNIX_JAVA_OPTS` (joined by spaces, so
        no option may contain whitespace). The default suits a mostly idle daemon on a
        small instance: one C1 compiler thread and a small young generation keep an idle
        daemon at about 60 MiB resident, 63 over HTTPS (docs/performance.md); the
        heap limit leaves room for a release with the maximum number of entries. The
        module always appends `-Djava.io.tmpdir=''${dataDir}/jvm-tmp`: a distribution
        without zstd's native library in its `lib/native/` (the package has one) has
        zstd-jni unpack it there, which fails on a `noexec` /tmp.
      '';
    };

    hostId = mkOption {
      type = types.nullOr (types.strMatching "[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
      default = null;
      example = "web-1";
      description = ''
        Name of this host in the fleet view (`--host-id`): its report is
        `<remote>.hosts/<hostId>.json`. `null`: the EC2 instance id when the instance
        metadata service answers (asked once per boot), else the kernel's host name
        (`networking.hostName`).
      '';
    };

    reports.enable = mkOption {
      type = types.bool;
      default = true;
      example = false;
      description = ''
        Whether the daemon writes its report next to its remote (`<remote>.hosts/`) on `s3://`
        and `file://` stores, for `npcnix fleet status`. It needs `s3:PutObject` on
        `<remote>.hosts/*` (docs/aws.md). `false` passes `--no-reports`.
      '';
    };

    reportInterval = mkOption {
      type = duration;
      default = "3h";
      example = "6h";
      description = ''
        How often a host whose state does not change writes its report anyway, the heartbeat
        (`--report-interval`); a report is also written after every attempt and state change.
        Readers call a host `silent` when its report is 1.5 intervals old. The default keeps a
        quiet fleet's S3 bill within 1.2x of its polls (docs/performance.md).
      '';
    };

    metrics.enable = mkOption {
      type = types.bool;
      default = false;
      example = true;
      description = ''
        Whether the daemon writes Prometheus metrics after every poll to
        `''${metrics.directory}/npcnix.prom` (`--metrics-file`), and node_exporter's textfile
        collector reads that directory: `services.prometheus.exporters.node` gets the `textfile`
        collector and `--collector.textfile.directory` (enable the exporter itself to scrape it).
      '';
    };

    metrics.directory = mkOption {
      type = absolutePath;
      default = "/var/lib/prometheus-node-exporter-text-files";
      example = "/run/prometheus-node-exporter";
      description = ''
        The textfile collector's directory the metrics file is written to (created 0755).
      '';
    };

    hooks.onSuccess = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "curl -fsS -X POST --data \"$NPCNIX_HOST_ID applied $NPCNIX_RELEASE\" https://hooks.example/npcnix";
      description = ''
        Shell command run after a release was activated (`--on-success`), with `NPCNIX_RESULT`,
        `NPCNIX_REMOTE`, `NPCNIX_CONFIGURATION`, `NPCNIX_RELEASE`, `NPCNIX_SHA256` and
        `NPCNIX_HOST_ID` set. It runs in the unit (as root, with its `PATH`); its failure is
        logged and changes nothing.
      '';
    };

    hooks.onFailure = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "mail -s \"npcnix failed on $NPCNIX_HOST_ID\" ops@example.com <<< \"$NPCNIX_ERROR\"";
      description = ''
        Shell command run after a failed attempt to apply a release, and once when polls start
        failing (`--on-failure`); also given `NPCNIX_ERROR` and `NPCNIX_ERROR_CLASS`.
      '';
    };

    hooks.onRollback = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "systemd-cat -t npcnix-rollback echo \"$NPCNIX_RELEASE rolled back\"";
      description = ''
        Shell command run after a release failed its health checks (`health.*`) and was rolled
        back (`--on-rollback`), with `NPCNIX_RESULT=rolled_back`, or `rollback_failed` when
        re-activating the previous generation failed too; also given `NPCNIX_ERROR` and
        `NPCNIX_ERROR_CLASS`.
      '';
    };

    hooks.timeout = mkOption {
      type = duration;
      default = "60s";
      example = "5m";
      description = ''
        How long a hook may run before its process group is killed (`--hook-timeout`).
      '';
    };

    extraArgs = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "--verbose" ];
      description = ''
        Further arguments appended to `npcnix --data-dir … follow --once=activate …`.
      '';
    };

    environment = mkOption {
      type = types.attrsOf types.str;
      default = { };
      example = {
        AWS_REGION = "eu-west-1";
        AWS_ENDPOINT_URL_S3 = "https://minio.internal:9000";
      };
      description = ''
        Environment variables of the service. No secrets here: these end up in the
        world-readable Nix store; use {option}`services.npcnix.environmentFile`.
      '';
    };

    bootstrap.enable = mkEnableOption ''
      a first-boot `npcnix bootstrap`, so that a machine built from an image with this module
      (e.g. an AMI) joins the fleet by itself, without a user-data script: the
      `npcnix-bootstrap` unit runs once, on a host whose data dir has no `config.json`,
      after `multi-user.target`; it writes the host config, waits for the remote, activates
      {option}`services.npcnix.bootstrap.initialConfiguration` (if set), then the
      configuration, and starts the daemon'';

    bootstrap.remote = mkOption {
      type = types.nullOr remoteUri;
      default = cfg.remote;
      defaultText = literalExpression "config.services.npcnix.remote";
      example = "s3://acme-config/npcnix/remotes/prod.npcnix";
      description = ''
        Remote the first boot follows (`bootstrap --remote`). `null`: read from EC2, see
        {option}`services.npcnix.bootstrap.ec2`.
      '';
    };

    bootstrap.configuration = mkOption {
      type = types.nullOr types.str;
      default = cfg.configuration;
      defaultText = literalExpression "config.services.npcnix.configuration";
      example = "web";
      description = ''
        Configuration the first boot activates (`bootstrap --configuration`). `null`: read
        from EC2, see {option}`services.npcnix.bootstrap.ec2`.
      '';
    };

    bootstrap.ec2 = mkOption {
      type = types.nullOr (
        types.enum [
          "user-data"
          "tags"
        ]
      );
      default = null;
      example = "tags";
      description = ''
        Where the first boot reads the remote and configuration it is not given, from the EC2
        instance metadata service (IMDSv2; `bootstrap --from-ec2`): `user-data`, lines
        `NPCNIX_REMOTE=…` and `NPCNIX_CONFIGURATION=…` in the instance's user data (a `#!`
        script that sets them works, as nixpkgs' `amazon-init` runs such user data as a
        script); `tags`, the instance tags `npcnix:remote` and `npcnix:configuration`
        (launch the instance with tags in instance metadata allowed). One image then serves
        every remote and role.
      '';
    };

    bootstrap.initialConfiguration = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "base";
      description = ''
        Configuration activated before {option}`services.npcnix.bootstrap.configuration`
        (`bootstrap --initial-configuration`), e.g. one that sets up disks or secrets.
      '';
    };

    bootstrap.timeout = mkOption {
      type = duration;
      default = "30m";
      example = "2h";
      description = ''
        How long the first boot waits for the remote to appear and the store to answer
        (`bootstrap --timeout`): a fleet may boot before CI published. The daemon starts
        afterwards either way and keeps polling.
      '';
    };

    health.enable = mkOption {
      type = types.bool;
      default = true;
      example = false;
      description = ''
        Whether the health checks configured below apply. With at least one check
        (`health.systemd.enable`, `health.urls`, `health.commands`, `health.remote`), each new
        release is *tried* first (`nixos-rebuild test`: the boot loader and the system profile are
        not touched), checked, and only then made the profile's generation and the boot default; a
        release that fails its checks is rolled back (the previous generation re-activated) and
        quarantined. `false`: releases are applied with `nixos-rebuild switch` as without checks (an
        override while a check itself is broken). See docs/operations.md.
      '';
    };

    health.systemd.enable = mkEnableOption ''
      the `systemd` check: no systemd unit is failed after the switch, beyond
      {option}`services.npcnix.health.systemd.ignoreUnits` and
      {option}`services.npcnix.health.systemd.maxFailedUnits` (`--health-systemd`)'';

    health.systemd.ignoreUnits = mkOption {
      type = types.listOf unitGlob;
      default = [ ];
      example = [
        "systemd-networkd-wait-online.service"
        "flaky-*.service"
      ];
      description = ''
        Units (names or globs with `*` and `?`) whose failure the `systemd` check ignores
        (`--health-ignore-unit`, once per value). `npcnix-boot-check.service` is always ignored.
      '';
    };

    health.systemd.maxFailedUnits = mkOption {
      type = types.ints.unsigned;
      default = 0;
      example = 1;
      description = ''
        Failed units (not ignored) the `systemd` check still passes with (`--health-max-failed-units`).
      '';
    };

    health.urls = mkOption {
      type = types.listOf healthUrl;
      default = [ ];
      example = [ "http://127.0.0.1:8080/healthz" ];
      description = ''
        URLs that must answer 2xx within {option}`services.npcnix.health.httpTimeout` after the
        switch (`--health-url`, once per value). Redirects are not followed.
      '';
    };

    health.httpTimeout = mkOption {
      type = duration;
      default = "10s";
      description = "Timeout of each URL check (`--health-http-timeout`).";
    };

    health.commands = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "systemctl is-active postgresql.service" ];
      description = ''
        Commands (run with `sh -c`, as root, in the service's environment) that must exit 0 within
        {option}`services.npcnix.health.commandTimeout` (`--health-command`, once per value); one
        that runs longer is killed with its whole process group.
      '';
    };

    health.commandTimeout = mkOption {
      type = duration;
      default = "60s";
      description = "Timeout of each command check (`--health-command-timeout`).";
    };

    health.remote = mkEnableOption ''
      the `remote` check: the store still answers a conditional GET of the remote after the
      switch, so a release that cuts the host off its store (network, DNS, firewall, credentials)
      is rolled back (`--health-remote`)'';

    health.settle = mkOption {
      type = duration;
      default = "10s";
      example = "1m";
      description = ''
        How long after the switch the first round of checks waits, for services to start
        (`--health-settle`).
      '';
    };

    health.deadline = mkOption {
      type = duration;
      default = "5m";
      example = "15m";
      description = ''
        The checks must all pass in one round within this long after the switch, or the release is
        rolled back (`--health-deadline`). Rounds run every {option}`services.npcnix.health.interval`.
      '';
    };

    health.interval = mkOption {
      type = duration;
      default = "10s";
      description = "Between two rounds of checks (`--health-interval`).";
    };

    health.markBootGood = mkOption {
      type = types.bool;
      default = config.boot.loader.systemd-boot.bootCounting.enable or false;
      defaultText = literalExpression "config.boot.loader.systemd-boot.bootCounting.enable or false";
      example = true;
      description = ''
        With systemd-boot boot counting (`boot.loader.systemd-boot.bootCounting.enable`, NixOS
        25.11 and later): a boot is marked good (`systemd-bless-boot.service`, after
        `boot-complete.target`) only when the daemon's health checks passed in it. Adds the unit
        `npcnix-boot-check` (`npcnix check --boot`), required by and ordered before
        `boot-complete.target`. A generation that cannot boot far enough for the daemon to judge
        it is then undone by the boot loader after its tries. Only with at least one check.
      '';
    };

    reboot.policy = mkOption {
      type = types.enum [
        "never"
        "when-needed"
        "always"
      ];
      default = "never";
      example = "when-needed";
      description = ''
        Whether the daemon reboots the host into a committed release (`--reboot`): `when-needed`
        when its kernel, initrd or kernel modules differ from the booted ones (as
        `system.autoUpgrade.allowReboot` decides), `always` after every release. At most one
        reboot per release; the checks run again after it, and when they fail the boot default
        goes back to the previous generation with one more reboot. With
        {option}`services.npcnix.operation` `"boot"` this is how a release becomes active.
      '';
    };

    reboot.window = mkOption {
      type = types.nullOr (types.strMatching "[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]");
      default = null;
      example = "02:00-04:00";
      description = ''
        Hours (local time, `HH:MM-HH:MM`, may wrap midnight) in which the daemon may reboot
        (`--reboot-window`); outside them a due reboot is *pending* (`npcnix status` says so).
        `null`: at once.
      '';
    };

    environmentFile = mkOption {
      type = types.nullOr types.path;
      default = null;
      example = "/run/secrets/npcnix.env";
      description = ''
        File of `NAME=value` lines read by systemd (`EnvironmentFile=`) when the service
        starts, for secrets such as `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` on hosts
        without an instance role. Give it as a string: a Nix path literal would copy the
        secret into the world-readable store (an assertion rejects it).
      '';
    };
  };
}
