# Evaluates ./package.nix with stand-ins for what nixpkgs provides (no nixpkgs here) and returns
# what a real build would fetch and run: each jar's name, URL and SHA-256, the build and install
# phases, meta. .ci/check-package compares the jars with the ones Maven put into the distribution.
#
#   nix-instantiate --eval --strict --json nix/package-eval.nix --arg lib 'import ../shared/nixpkgs-lib/lib'
{ lib }:
let
  standIn = name: {
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };
  package = import ./package.nix {
    inherit lib;
    stdenvNoCC = {
      mkDerivation = attrs: attrs;
      buildPlatform.canExecute = _: true;
      hostPlatform = { };
    };
    fetchurl =
      { url, sha256 }:
      standIn (baseNameOf url)
      // {
        inherit url sha256;
      };
    linkFarm = name: entries: standIn name // { inherit entries; };
    makeWrapper = standIn "make-wrapper";
    installShellFiles = standIn "install-shell-files";
    coreutils = standIn "coreutils";
    gnused = standIn "gnused";
    jdk17_headless = standIn "openjdk-headless-17" // {
      home = "/nix/store/00000000000000000000000000000000-openjdk-headless-17/lib/openjdk";
    };
    src = standIn "source";
    version = "0.0.0-eval";
  };
  jars = map (entry: {
    inherit (entry) name;
    inherit (entry.path) url sha256;
  }) package.passthru.deps.entries;
in
{
  inherit (package) pname version meta;
  inherit jars;
  # "file sha256 url" lines, for `nix eval --raw`.
  jarLines = lib.concatMapStrings (jar: "${jar.name} ${jar.sha256} ${jar.url}\n") jars;
  buildPhase = package.buildPhase;
  installPhase = package.installPhase;
  jdk = package.passthru.jdk.name;
}
