# The npcnix package, built from this Maven project. It installs the distribution
# that `mvn package` lays out in npcnix-cli/target/npcnix/ (bin/npcnix, a POSIX sh
# launcher, and lib/*.jar) and wraps the launcher so it always runs on `jre`.
{
  lib,
  maven,
  makeWrapper,
  coreutils,
  gnused,
  jdk17_headless,
  jre ? jdk17_headless,
  src,
  version,
}:
maven.buildMavenPackage {
  pname = "npcnix";
  inherit src version;

  # Hash of the Maven dependencies (a fixed-output derivation fetched with network).
  # It cannot be computed offline. To update it after changing a pom.xml or nixpkgs:
  #   nix build .#npcnix 2>&1 | grep 'got:'
  # and paste the `got:` hash here (the first build with lib.fakeHash fails on purpose).
  mvnHash = lib.fakeHash;

  # Tests run in CI (.ci/run with mvn verify); the Nix build only packages. The class-data
  # archive is made in installPhase, on the final store paths, not by Maven.
  mvnParameters = "-DskipTests -Dnpcnix.skipCds=true";

  nativeBuildInputs = [ makeWrapper ];

  installPhase = ''
    runHook preInstall
    mkdir -p $out/share/npcnix $out/bin
    cp -r npcnix-cli/target/npcnix/. $out/share/npcnix/
    chmod +x $out/share/npcnix/bin/npcnix
    # The launcher resolves its own location to find ../lib and honours
    # JAVA_HOME and NPCNIX_JAVA_OPTS; pin JAVA_HOME to the JRE of this package.
    makeWrapper $out/share/npcnix/bin/npcnix $out/bin/npcnix \
      --set JAVA_HOME ${jre.home} \
      --prefix PATH : ${
        lib.makeBinPath [
          coreutils
          gnused
        ]
      }

    # The AppCDS archive (lib/npcnix.jsa, about a third off a short command's start-up). A JDK 17
    # archive is only used with the exact jars it was made from: same paths, sizes and mtimes, and
    # the same JVM. So it is made here, by the JRE the wrapper pins, from the final store paths,
    # after giving the jars the mtime the store will give them (1). The script never fails the
    # build: without the archive npcnix only starts slower.
    find $out/share/npcnix/lib -name '*.jar' -exec touch -h -d @1 {} +
    JAVA_HOME=${jre.home} sh npcnix-cli/src/build/cds-archive $out/share/npcnix "$TMPDIR/npcnix-cds"
    runHook postInstall
  '';

  meta = {
    description = "Keep NixOS hosts on a flake published to S3, a file system or HTTP";
    license = lib.licenses.asl20;
    mainProgram = "npcnix";
    platforms = lib.platforms.linux;
  };
}
