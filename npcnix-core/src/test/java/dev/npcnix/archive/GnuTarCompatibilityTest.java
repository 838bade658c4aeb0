package dev.npcnix.archive;

import static dev.npcnix.archive.Archives.pack;
import static dev.npcnix.archive.Archives.unpack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.npcnix.testing.Tools;
import dev.npcnix.testing.archive.SampleFlake;
import dev.npcnix.testing.archive.TreeSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Against the real tools: what GNU tar and the zstd CLI write, we read; what we write, they read,
 * to the same tree. (The Rust npcnix reads and writes GNU-format tar with the zstd library.)
 */
class GnuTarCompatibilityTest {

    @TempDir
    Path tmp;

    @BeforeEach
    void toolsInstalled() {
        // Found on PATH, as the shell commands below find them.
        Optional<String> missing = Tools.missing("tar", "tar").or(() -> Tools.missing("zstd", "zstd"));
        assumeTrue(missing.isEmpty(), () -> missing.orElseThrow());
    }

    @ParameterizedTest(name = "tar --format={0} | zstd")
    @ValueSource(strings = {"gnu", "posix", "ustar"})
    void archivesMadeByGnuTarUnpack(String format) throws Exception {
        Path src = SampleFlake.create(tmp.resolve("src"));
        if (format.equals("ustar")) {
            // ustar can hold neither the long path nor the long symlink target.
            Files.delete(src.resolve("long-link.nix"));
            Files.delete(src.resolve(SampleFlake.LONG_PATH));
        }
        Files.createLink(src.resolve("hosts/hardlinked.nix"), src.resolve("hosts/web.nix"));
        Path archive = tmp.resolve("gnu.npcnix");
        sh("tar --format=" + format + " -cf - -C '" + src + "' . | zstd -q -3 -c > '" + archive + "'");
        Path dest = tmp.resolve("out");

        unpack(Files.readAllBytes(archive), dest);

        assertThat(TreeSnapshot.of(dest)).isEqualTo(TreeSnapshot.of(src).normalizedModes());
    }

    @Test
    void ourArchivesUnpackWithGnuTarToTheSameTree() throws Exception {
        Path src = SampleFlake.create(tmp.resolve("src"));
        Path archive = tmp.resolve("ours.npcnix");
        Files.write(archive, pack(src, PackOptions.defaults()));
        Path byTar = Files.createDirectories(tmp.resolve("by-tar"));
        Path byUs = tmp.resolve("by-us");

        sh("tar --zstd -xpf '" + archive + "' -C '" + byTar + "'");
        unpack(Files.readAllBytes(archive), byUs);

        assertThat(TreeSnapshot.of(byTar)).isEqualTo(TreeSnapshot.of(byUs));
        assertThat(TreeSnapshot.of(byTar)).isEqualTo(TreeSnapshot.of(src).normalizedModes());
    }

    @Test
    void gnuTarListsOurEntriesWithoutPrefixesOwnersOrTimes() throws Exception {
        Path src = SampleFlake.create(tmp.resolve("src"));
        Path archive = tmp.resolve("ours.npcnix");
        Files.write(archive, pack(src, PackOptions.defaults()));

        List<String> listing = sh("tar --zstd --numeric-owner --full-time -tvf '" + archive + "'").lines().toList();

        assertThat(listing).isNotEmpty().allSatisfy(line -> assertThat(line)
                .contains(" 0/0 ")
                .contains("1980-01-01 00:00:00")
                .doesNotContain(" ./"));
        assertThat(listing).anySatisfy(line -> assertThat(line).startsWith("-rwxr-xr-x").endsWith(" scripts/deploy.sh"));
        assertThat(listing).anySatisfy(line -> assertThat(line).endsWith(" " + SampleFlake.LONG_PATH));
    }

    @Test
    void zstdCliAcceptsOurFrame() throws Exception {
        Path archive = tmp.resolve("ours.npcnix");
        Files.write(archive, pack(SampleFlake.create(tmp.resolve("src")), PackOptions.defaults()));

        sh("zstd -q -t '" + archive + "'");
        assertThat(sh("zstd -lv '" + archive + "'")).contains("Check: XXH64");
    }

    /** Runs a shell command; fails the test with its stderr when it exits non-zero. */
    private String sh(String command) throws IOException, InterruptedException {
        Path err = tmp.resolve("stderr.txt");
        Process process = new ProcessBuilder("/bin/sh", "-c", command)
                .redirectError(err.toFile())
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        assertThat(process.exitValue()).as("%s: %s", command, Files.readString(err)).isZero();
        Files.delete(err);
        return out;
    }
}
