# Options of the npcnix NixOS module (services.npcnix). Declarations only: the
# service they produce is in ./default.nix. docs/nixos-module.md documents every
# option; NixosOptionsDocTest (npcnix-cli) fails when one is missing there.
{ lib, pkgs, ... }:
let
  inherit (lib) literalExpression mkEnableOption mkOption types;

  # An absolute path as a string (a Nix path literal would be copied to the store),
  # without spaces, empty components or a trailing slash.
  absolutePath = types.strMatching "(/[^/[:space:]]+)+";
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
      type = types.nullOr types.str;
      default = null;
      example = "s3://acme-config/npcnix/remotes/prod.npcnix";
      description = ''
        Remote to follow: `s3://BUCKET/KEY`, `file:///ABS/PATH`, `https://…` or `http://…`.
        Passed as `--remote` on every start. `null`: the daemon uses the remote that
        `npcnix bootstrap` wrote to {option}`services.npcnix.dataDir`.
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
        AWS region of the remote's bucket (`--remote-region`). `null`: the region from
        the data dir, else the SDK's default chain (`AWS_REGION`, the instance metadata).
        Only used by `s3://` remotes.
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
        work too.
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
        signed with (`--trusted-public-keys`, once per value). Empty: signatures are not
        required. With keys set, write access to the bucket alone no longer suffices to
        change this host.
      '';
    };

    activationTimeout = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "2h";
      description = ''
        Longest time one `nixos-rebuild` may run before it is stopped and the attempt
        counted as failed (`--activation-timeout`), as a duration such as `45m` or `2h`.
        `null`: the daemon's default.
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
        module always appends `-Djava.io.tmpdir=''${dataDir}/jvm-tmp`: zstd-jni unpacks
        its native library there, which fails on a `noexec` /tmp.
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
