{
  description = "npcnix: NixOS hosts follow a flake published to S3, a file system or HTTP";

  # The current NixOS stable release. Consumers usually set
  # `inputs.npcnix.inputs.nixpkgs.follows = "nixpkgs"`: npcnix is then built with their nixpkgs'
  # JDK and stdenv (the jars it fetches are fixed by nix/deps.json either way), see
  # docs/nixos-module.md. Needs lib.fileset and testers.runNixOSTest (nixpkgs 24.05 or newer).
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      # The Maven project only: editing docs, the module or this file does not
      # rebuild the package (nix/deps.json is read at evaluation, not part of the source). No lib.fileset.gitTracked: the VM test re-evaluates this
      # flake from a plain directory (without .git) and must get the same source.
      src = lib.fileset.toSource {
        root = ./.;
        fileset = lib.fileset.difference ./. (
          lib.fileset.unions (
            [
              ./flake.nix
              (lib.fileset.maybeMissing ./flake.lock)
              (lib.fileset.maybeMissing ./docs)
              (lib.fileset.maybeMissing ./nixos-module)
              (lib.fileset.maybeMissing ./nix)
              (lib.fileset.maybeMissing ./.ci)
              (lib.fileset.maybeMissing ./src-test-fixtures/bench)
              (lib.fileset.maybeMissing ./result)
              (lib.fileset.fileFilter (file: file.hasExt "md") ./.)
            ]
            ++ map (module: lib.fileset.maybeMissing (./. + "/${module}/target")) [
              "npcnix-core"
              "npcnix-daemon"
              "npcnix-cli"
              "src-test-fixtures"
            ]
          )
        );
      };

      # The first <version> line of the parent POM (it has no <parent>), so that the
      # version, and the store path, depend on the source only, not on how the flake
      # was fetched. Line by line: one regex over the whole POM can overflow the stack.
      version =
        let
          lines = lib.splitString "\n" (builtins.readFile ./pom.xml);
          versionOf = line: builtins.match "[[:space:]]*<version>([^<]+)</version>[[:space:]]*" line;
          found = lib.findFirst (line: versionOf line != null) null lines;
        in
        if found == null then "0.0.0" else builtins.head (versionOf found);
    in
    {
      packages = forAllSystems (pkgs: rec {
        npcnix = pkgs.callPackage ./nix/package.nix { inherit src version; };
        default = npcnix;
      });

      # The module with services.npcnix.package defaulting to this flake's package.
      nixosModules.npcnix =
        { lib, pkgs, ... }:
        let
          inherit (pkgs.stdenv.hostPlatform) system;
        in
        {
          imports = [ ./nixos-module ];
          services.npcnix.package = lib.mkIf (self.packages ? ${system}) (
            lib.mkDefault self.packages.${system}.npcnix
          );
        };
      nixosModules.default = self.nixosModules.npcnix;

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = lib.getExe self.packages.${pkgs.stdenv.hostPlatform.system}.npcnix;
          meta.description = "npcnix command line (publish, bootstrap, follow, status, …)";
        };
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [
            self.packages.${pkgs.stdenv.hostPlatform.system}.npcnix.jdk
            pkgs.maven
            pkgs.zstd
            pkgs.nix
            pkgs.nixfmt-rfc-style
          ];
          # nixpkgs' mvn only defaults JAVA_HOME; build and test on the package's JDK.
          JAVA_HOME = self.packages.${pkgs.stdenv.hostPlatform.system}.npcnix.jdk.home;
        };
      });

      formatter = forAllSystems (pkgs: pkgs.nixfmt-rfc-style);

      checks = forAllSystems (
        pkgs:
        let
          args = {
            inherit pkgs self nixpkgs;
          };
        in
        {
          npcnix = self.packages.${pkgs.stdenv.hostPlatform.system}.npcnix;
          # The wrapped launcher runs from the store, on its class-data archive (-Xshare:on fails
          # rather than running without it).
          npcnix-runs =
            let
              npcnix = self.packages.${pkgs.stdenv.hostPlatform.system}.npcnix;
            in
            pkgs.runCommand "npcnix-runs" { } ''
              NPCNIX_JAVA_OPTS=-Xshare:on ${lib.getExe npcnix} --version | tee $out
              grep -qx 'npcnix ${npcnix.version}' $out
            '';
          module-eval = import ./nix/module-eval-test.nix args;
          vm-test = import ./nix/vm-test.nix args;
        }
      );
    };
}
