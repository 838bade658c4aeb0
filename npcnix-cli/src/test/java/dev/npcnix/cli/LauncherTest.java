package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher script ({@code src/dist/bin/npcnix}) with stand-in JDKs whose {@code java} prints the
 * arguments it was given: the class-data archive is passed only to the JVM that made it, from the
 * directory it was made in, while no jar and no JVM library is newer than it. Any other JVM would
 * print a warning about the archive at every start (JDK 25 with a JDK 17 archive does).
 */
class LauncherTest {
    private static final Path LAUNCHER = Path.of("src/dist/bin/npcnix");
    private static final Instant ARCHIVE_TIME = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path tmp;
    Path dist;
    Path jdk17;
    Path jdk25;

    @BeforeEach
    void distributionWithAnArchiveMadeByJdk17() throws IOException {
        dist = tmp.resolve("dist");
        Files.createDirectories(dist.resolve("bin"));
        Files.createDirectories(dist.resolve("lib"));
        Path launcher = Files.copy(LAUNCHER, dist.resolve("bin/npcnix"));
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        older(Files.writeString(dist.resolve("lib/npcnix-cli.jar"), ""));
        older(Files.writeString(dist.resolve("lib/picocli-4.7.7.jar"), ""));
        jdk17 = fakeJdk("jdk17");
        jdk25 = fakeJdk("jdk25");
        Path archive = Files.writeString(dist.resolve("lib/npcnix.jsa"), "archive");
        Files.setLastModifiedTime(archive, FileTime.from(ARCHIVE_TIME));
        Files.writeString(dist.resolve("lib/npcnix.jsa.home"), dist.toRealPath() + "\n" + jdk17.toRealPath() + "\n");
    }

    @Test
    void theJvmThatMadeTheArchiveGetsIt() throws Exception {
        assertThat(javaArguments(jdk17, "status")).contains("-XX:SharedArchiveFile=" + dist.toRealPath().resolve("lib/npcnix.jsa"));
    }

    @Test
    void anotherJvmStartsWithoutIt() throws Exception {
        assertThat(javaArguments(jdk25, "status")).noneMatch(a -> a.contains("SharedArchiveFile"))
                .contains("dev.npcnix.cli.Main", "status");
    }

    @Test
    void aJvmUpdatedInPlaceStartsWithoutIt() throws Exception {
        Files.setLastModifiedTime(jdk17.resolve("lib/server/libjvm.so"), FileTime.from(ARCHIVE_TIME.plusSeconds(60)));
        assertThat(javaArguments(jdk17, "status")).noneMatch(a -> a.contains("SharedArchiveFile"));
    }

    @Test
    void aJarNewerThanTheArchiveStartsWithoutIt() throws Exception {
        Files.setLastModifiedTime(dist.resolve("lib/npcnix-cli.jar"), FileTime.from(ARCHIVE_TIME.plusSeconds(60)));
        assertThat(javaArguments(jdk17, "status")).noneMatch(a -> a.contains("SharedArchiveFile"));
    }

    @Test
    void aStampWithoutTheJvmStartsWithoutIt() throws Exception {
        Files.writeString(dist.resolve("lib/npcnix.jsa.home"), dist.toRealPath() + "\n");
        assertThat(javaArguments(jdk17, "status")).noneMatch(a -> a.contains("SharedArchiveFile"));
    }

    @Test
    void statusAloneGetsTheArchiveOfItsOwnClasses() throws Exception {
        Path small = Files.writeString(dist.resolve("lib/npcnix-status.jsa"), "archive");
        Files.setLastModifiedTime(small, FileTime.from(ARCHIVE_TIME));
        String full = "-XX:SharedArchiveFile=" + dist.toRealPath().resolve("lib/npcnix.jsa");
        String status = "-XX:SharedArchiveFile=" + dist.toRealPath().resolve("lib/npcnix-status.jsa");
        // The command lines QuickStatus runs without picocli, and no other.
        for (String[] quick : new String[][] {{"status"}, {"status", "--json"}, {"--data-dir", "/srv/h", "status"},
                {"--data-dir", "/srv/h", "status", "--json"}}) {
            assertThat(javaArguments(jdk17, quick)).as(String.join(" ", quick)).contains(status).doesNotContain(full);
        }
        for (String[] other : new String[][] {{"status", "--help"}, {"status", "-v"}, {"-v", "status"}, {"history"},
                {"--data-dir", "/srv/h"}, {"status", "--json", "x"}}) {
            assertThat(javaArguments(jdk17, other)).as(String.join(" ", other)).contains(full).doesNotContain(status);
        }
        // The same checks as the full archive's: another JVM runs without either.
        assertThat(javaArguments(jdk25, "status")).noneMatch(a -> a.contains("SharedArchiveFile"));
        Files.setLastModifiedTime(dist.resolve("lib/npcnix-cli.jar"), FileTime.from(ARCHIVE_TIME.plusSeconds(60)));
        assertThat(javaArguments(jdk17, "status")).noneMatch(a -> a.contains("SharedArchiveFile"));
    }

    @Test
    void withoutItsOwnArchiveStatusRunsOnTheFullOne() throws Exception {
        assertThat(javaArguments(jdk17, "status", "--json"))
                .contains("-XX:SharedArchiveFile=" + dist.toRealPath().resolve("lib/npcnix.jsa"));
    }

    @Test
    void zstdLoadsTheLibraryUnpackedForThisMachine() throws Exception {
        String machine = new String(new ProcessBuilder("uname", "-m").start().getInputStream().readAllBytes(),
                StandardCharsets.UTF_8).strip();
        assertThat(javaArguments(jdk17, "pull")).noneMatch(a -> a.contains("ZstdNativePath"));
        Path other = Files.createDirectories(dist.resolve("lib/native/not-" + machine));
        Files.writeString(other.resolve("libzstd-jni-1.5.7-9.so"), "");
        assertThat(javaArguments(jdk17, "pull")).noneMatch(a -> a.contains("ZstdNativePath"));
        Path mine = Files.createDirectories(dist.resolve("lib/native/" + machine));
        Path library = Files.writeString(mine.resolve("libzstd-jni-1.5.7-9.so"), "");
        for (String command : List.of("pull", "pack", "follow", "status")) {
            assertThat(javaArguments(jdk17, command)).as(command).contains("-DZstdNativePath=" + dist.toRealPath().resolve("lib")
                    .resolve("native").resolve(machine).resolve(library.getFileName()));
        }
    }

    @Test
    void theDaemonNeverGetsIt() throws Exception {
        assertThat(javaArguments(jdk17, "follow")).noneMatch(a -> a.contains("SharedArchiveFile")).contains("-Xshare:off");
    }

    /** Runs the launcher with JAVA_HOME=jdk; returns the arguments the stand-in java received. */
    private List<String> javaArguments(Path jdk, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(dist.resolve("bin/npcnix").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(Map.of("JAVA_HOME", jdk.toString(), "NPCNIX_JAVA_OPTS", ""));
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(err).isEmpty();
        assertThat(p.exitValue()).isZero();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }

    private Path fakeJdk(String name) throws IOException {
        Path home = tmp.resolve(name);
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("lib/server"));
        older(Files.writeString(home.resolve("lib/server/libjvm.so"), ""));
        Path java = Files.writeString(home.resolve("bin/java"), "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    private static Path older(Path file) throws IOException {
        return Files.setLastModifiedTime(file, FileTime.from(ARCHIVE_TIME.minusSeconds(3600)));
    }
}
