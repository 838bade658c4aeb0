# The npcnix package, built from this project's sources without Maven: every runtime jar is
# fetched from Maven Central by the SHA-256 in ./deps.json (written by nix/lock from the POMs; CI
# fails when it is stale), and npcnix-cli/src/build/build-dist compiles and lays out the
# distribution: bin/npcnix (a POSIX sh launcher), lib/*.jar and the AppCDS archive. CI runs the
# same script on the same jars (.ci/check-package), so this recipe is exercised on every change.
#
# No hash here depends on nixpkgs: the jars are fixed-output fetches, identical under any nixpkgs.
# The JDK (compiler and runtime) is the one knob: `npcnix.override { jdk = pkgs.jdk25_headless; }`.
{
  lib,
  stdenvNoCC,
  fetchurl,
  linkFarm,
  makeWrapper,
  coreutils,
  gnused,
  jdk17_headless,
  jdk ? jdk17_headless,
  src,
  version,
}:
let
  lock = lib.importJSON ./deps.json;

  # One fixed-output derivation per jar, under its Maven file name (what build-dist expects).
  jars = map (jar: {
    name = jar.file;
    path = fetchurl {
      inherit (jar) url sha256;
    };
  }) lock.jars;

  deps = linkFarm "npcnix-${version}-jars" jars;
in
stdenvNoCC.mkDerivation {
  pname = "npcnix";
  inherit src version;

  nativeBuildInputs = [
    jdk
    makeWrapper
  ];

  # javac, jar and the class-data archive all come from `jdk`; the wrapper runs on the same JDK
  # (a JDK 17 archive only maps into the JVM that made it).
  buildPhase = ''
    runHook preBuild
    export JAVA_HOME=${jdk.home}
    # The AppCDS archive is made in installPhase, on the final store paths.
    NPCNIX_SKIP_CDS=1 sh npcnix-cli/src/build/build-dist . ${deps} dist ${lib.escapeShellArg version}
    runHook postBuild
  '';

  installPhase = ''
    runHook preInstall
    mkdir -p $out/share/npcnix $out/bin
    cp -r dist/. $out/share/npcnix/
    # The launcher resolves its own location to find ../lib and honours JAVA_HOME and
    # NPCNIX_JAVA_OPTS; pin JAVA_HOME to the JDK of this package.
    makeWrapper $out/share/npcnix/bin/npcnix $out/bin/npcnix \
      --set JAVA_HOME ${jdk.home} \
      --prefix PATH : ${
        lib.makeBinPath [
          coreutils
          gnused
        ]
      }

    # The AppCDS archive (lib/npcnix.jsa, about a third off a short command's start-up). A JDK 17
    # archive is only used with the exact jars it was made from: same paths, sizes and mtimes, and
    # the same JVM. So it is made here, by the JDK the wrapper pins, from the final store paths,
    # after giving the jars the mtime the store will give them (1). The script never fails the
    # build: without the archive npcnix only starts slower.
    find $out/share/npcnix/lib -name '*.jar' -exec touch -h -d @1 {} +
    JAVA_HOME=${jdk.home} sh npcnix-cli/src/build/cds-archive $out/share/npcnix "$TMPDIR/npcnix-cds"
    runHook postInstall
  '';

  passthru = {
    inherit jdk deps;
  };

  meta = {
    description = "Keep NixOS hosts on a flake published to S3, a file system or HTTP";
    license = lib.licenses.asl20;
    mainProgram = "npcnix";
    platforms = lib.platforms.linux;
  };
}
