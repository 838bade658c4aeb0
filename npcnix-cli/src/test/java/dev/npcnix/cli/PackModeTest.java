package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packed file gets the mode the user's umask gives a new file (0644 under the usual 022), so that
 * it can be served over HTTP or copied to a shared store; the temp file it is written to stays 0600
 * until it is complete. Runs the real entry point in a JVM started with a given umask.
 */
class PackModeTest {
    @TempDir
    Path tmp;

    @Test
    void packedFileFollowsTheUmask() throws Exception {
        Path flake = Fixtures.webFlake(tmp.resolve("flake"));
        assertThat(packWithUmask("022", flake, tmp.resolve("out/a.npcnix"))).isEqualTo("rw-r--r--");
        assertThat(packWithUmask("027", flake, tmp.resolve("out/b.npcnix"))).isEqualTo("rw-r-----");
        assertThat(packWithUmask("077", flake, tmp.resolve("out/c.npcnix"))).isEqualTo("rw-------");
        try (var left = Files.list(tmp.resolve("out"))) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("a.npcnix", "b.npcnix", "c.npcnix");
        }
    }

    private static String packWithUmask(String umask, Path flake, Path dst) throws Exception {
        List<String> command = List.of("sh", "-c", "umask " + umask + " && exec \"$0\" \"$@\"",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "pack", "--src", flake.toString(), "--dst", dst.toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(dst));
    }
}
