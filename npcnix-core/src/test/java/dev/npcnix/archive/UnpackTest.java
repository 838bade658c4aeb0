package dev.npcnix.archive;

import static dev.npcnix.archive.Archives.list;
import static dev.npcnix.archive.Archives.pack;
import static dev.npcnix.archive.Archives.unpack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.InvalidInputException;
import dev.npcnix.testing.archive.SampleFlake;
import dev.npcnix.testing.archive.TarBuilder;
import dev.npcnix.testing.archive.TreeSnapshot;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnpackTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripGivesTheSameTree() throws IOException {
        Path src = SampleFlake.create(tmp.resolve("src"));
        byte[] archive = pack(src, PackOptions.defaults());
        Path dest = tmp.resolve("out");

        UnpackResult result = unpack(archive, dest);

        TreeSnapshot expected = TreeSnapshot.of(src).normalizedModes();
        assertThat(TreeSnapshot.of(dest)).isEqualTo(expected);
        assertThat(Files.readSymbolicLink(dest.resolve("long-link.nix"))).hasToString(SampleFlake.LONG_PATH);
        assertThat(result.entries()).isEqualTo(expected.entries().size());
        assertThat(result.contentBytes()).isEqualTo(regularFileBytes(src));
        assertThat(result.compressedBytes()).isEqualTo(archive.length);
        assertThat(list(tmp)).containsExactly("out", "src");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dest))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void observerSeesEveryEntryWithItsHashAndMode() {
        Path src = SampleFlake.create(tmp.resolve("src"));
        List<UnpackedEntry> seen = new ArrayList<>();

        FlakeArchive.unpack(new ByteArrayInputStream(pack(src, PackOptions.defaults())), tmp.resolve("out"),
                UnpackLimits.defaults(), seen::add);

        Map<String, TreeSnapshot.Node> expected = TreeSnapshot.of(src).normalizedModes().entries();
        assertThat(seen).extracting(UnpackedEntry::path).containsExactlyInAnyOrderElementsOf(expected.keySet());
        assertThat(seen).allSatisfy(entry -> {
            TreeSnapshot.Node node = expected.get(entry.path());
            switch (entry.type()) {
                case FILE -> {
                    assertThat(node.detail()).isEqualTo("sha256:" + entry.sha256());
                    assertThat(entry.mode()).isEqualTo(node.mode());
                }
                case DIRECTORY -> assertThat(node.kind()).isEqualTo("dir");
                case SYMLINK -> assertThat(entry.linkTarget()).isEqualTo(node.detail());
            }
        });
    }

    @Test
    void setuidSetgidAndStickyBitsAreDropped() throws IOException {
        byte[] archive = TarBuilder.tar()
                .file("suid", "x".getBytes(StandardCharsets.UTF_8), 04755)
                .file("sgid", "x".getBytes(StandardCharsets.UTF_8), 02644)
                .file("world-writable", "x".getBytes(StandardCharsets.UTF_8), 0666)
                .entry("sticky/", (byte) '5', 01777, new byte[0], "")
                .zstd();
        Path dest = tmp.resolve("out");

        unpack(archive, dest);

        assertThat(mode(dest.resolve("suid"))).isEqualTo("rwxr-xr-x");
        assertThat(mode(dest.resolve("sgid"))).isEqualTo("rw-r--r--");
        assertThat(mode(dest.resolve("world-writable"))).isEqualTo("rw-r--r--");
        assertThat(mode(dest.resolve("sticky"))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void gnuTarStyleNamesAndImplicitDirectoriesAreAccepted() throws IOException {
        byte[] archive = TarBuilder.tar()
                .dir("./")
                .file("./flake.nix", "{ }")
                .file("./a/b/c.nix", "c")
                .dir("./a/")
                .dir("a/b")
                .file(".//a//./d.nix", "d")
                .zstd();
        Path dest = tmp.resolve("out");

        UnpackResult result = unpack(archive, dest);

        assertThat(Files.readString(dest.resolve("a/b/c.nix"))).isEqualTo("c");
        assertThat(Files.readString(dest.resolve("a/d.nix"))).isEqualTo("d");
        assertThat(result.entries()).isEqualTo(5);
    }

    @Test
    void hardLinksToEarlierFilesAreMaterializedInsideTheTree() throws IOException {
        List<UnpackedEntry> seen = new ArrayList<>();
        byte[] archive = TarBuilder.tar()
                .file("flake.nix", "{ }")
                .file("a/original", "shared".getBytes(StandardCharsets.UTF_8), 0755)
                .hardlink("b/link", "a/original")
                .hardlink("./c", "./a/original")
                .zstd();
        Path dest = tmp.resolve("out");

        FlakeArchive.unpack(new ByteArrayInputStream(archive), dest, UnpackLimits.defaults(), seen::add);

        assertThat(Files.readString(dest.resolve("b/link"))).isEqualTo("shared");
        assertThat(Files.readString(dest.resolve("c"))).isEqualTo("shared");
        assertThat(Files.isSymbolicLink(dest.resolve("c"))).isFalse();
        assertThat(seen).filteredOn(e -> e.path().equals("c")).singleElement()
                .satisfies(e -> {
                    assertThat(e.type()).isEqualTo(UnpackedEntry.Type.FILE);
                    assertThat(e.mode()).isEqualTo(0755);
                    assertThat(e.sha256()).isEqualTo(seen.get(1).sha256());
                });
    }

    @Test
    void rustTarCrateHeadersAreAccepted() throws IOException {
        // GNU magic, file type bits in the mode field, directories without a trailing slash.
        byte[] archive = TarBuilder.tar()
                .rawEntry(bytes("flake.nix"), (byte) '0', 0100644, bytes("{ }"), new byte[0], true)
                .rawEntry(bytes("hosts"), (byte) '5', 040755, new byte[0], new byte[0], true)
                .rawEntry(bytes("hosts/web.nix"), (byte) '0', 0100644, bytes("web"), new byte[0], true)
                .rawEntry(bytes("run"), (byte) '0', 0100755, bytes("#!/bin/sh"), new byte[0], true)
                .rawEntry(bytes("current"), (byte) '2', 0120777, new byte[0], bytes("hosts/web.nix"), true)
                .zstd();
        Path dest = tmp.resolve("out");

        unpack(archive, dest);

        assertThat(Files.readString(dest.resolve("current"))).isEqualTo("web");
        assertThat(mode(dest.resolve("run"))).isEqualTo("rwxr-xr-x");
        assertThat(mode(dest.resolve("hosts/web.nix"))).isEqualTo("rw-r--r--");
    }

    @Test
    void paxPathAndLinkpathOverrideTheHeader() throws IOException {
        byte[] archive = TarBuilder.tar()
                .pax(Map.of("path", "日本/長い名前.nix", "mtime", "1700000000.5"))
                .file("ignored", "pax")
                .pax(Map.of("linkpath", "日本/長い名前.nix"))
                .symlink("link", "ignored")
                .zstd();
        Path dest = tmp.resolve("out");

        unpack(archive, dest);

        assertThat(Files.readString(dest.resolve("日本/長い名前.nix"))).isEqualTo("pax");
        assertThat(Files.readSymbolicLink(dest.resolve("link"))).hasToString("日本/長い名前.nix");
        assertThat(dest.resolve("ignored")).doesNotExist();
    }

    @Test
    void symlinksInsideTheTreeMayPointThroughOtherSymlinks() throws IOException {
        byte[] archive = TarBuilder.tar()
                .dir("a/b")
                .symlink("a/b/up", "..")
                .symlink("x", "a/b/up/b")
                .symlink("dangling", "not/there")
                .zstd();
        Path dest = tmp.resolve("out");

        unpack(archive, dest);

        assertThat(dest.resolve("x").toRealPath()).isEqualTo(dest.resolve("a/b").toRealPath());
        assertThat(Files.isSymbolicLink(dest.resolve("dangling"))).isTrue();
    }

    @Test
    void zeroPaddingAfterTheEndMarkerIsAccepted() {
        byte[] archive = TarBuilder.tar().file("flake.nix", "{ }").trailingZeros(9 * 1024).zstd();

        unpack(archive, tmp.resolve("out"));

        assertThat(tmp.resolve("out/flake.nix")).exists();
    }

    @Test
    void limitsOnEntriesBytesPathLengthAndRatio() {
        TarBuilder tenFiles = TarBuilder.tar();
        for (int i = 0; i < 10; i++) {
            tenFiles.file("f" + i, "x".repeat(600));
        }
        byte[] archive = tenFiles.zstd();

        assertRefused(archive, UnpackLimits.defaults().withMaxEntries(5), "archive: more than 5 entries");
        assertRefused(archive, UnpackLimits.defaults().withMaxBytes(1000), "archive: expands to more than 1000 bytes (zip bomb?)");
        assertRefused(TarBuilder.tar().file("a/very/long/path/name", "x").zstd(),
                UnpackLimits.defaults().withMaxPathLength(10), "archive entry a/very/long/path/name: path longer than 10 bytes");
        assertRefused(TarBuilder.tar().symlink("l", "a/very/long/target").zstd(),
                UnpackLimits.defaults().withMaxPathLength(10), "archive entry l: symlink target longer than 10 bytes");
        assertRefused(TarBuilder.tar().zeros("zeros", 1 << 20).zstd(),
                UnpackLimits.defaults().withMaxRatio(10, 64 * 1024), "archive: expands more than 10 times");
        assertThat(list(tmp)).isEmpty();
    }

    @Test
    void destinationMustNotExistAndItsParentMust() throws IOException {
        byte[] archive = TarBuilder.tar().file("flake.nix", "{ }").zstd();
        Path existing = Files.createDirectories(tmp.resolve("existing"));

        assertThatThrownBy(() -> unpack(archive, existing))
                .isInstanceOf(InvalidInputException.class).hasMessage("unpack destination " + existing + ": already exists");
        assertThatThrownBy(() -> unpack(archive, tmp.resolve("missing/dest")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("parent directory does not exist");
        Files.createSymbolicLink(tmp.resolve("dangling"), tmp.resolve("nowhere"));
        assertThatThrownBy(() -> unpack(archive, tmp.resolve("dangling")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("already exists");
        assertThat(tmp.resolve("nowhere")).doesNotExist();
    }

    @Test
    void failingInputStreamIsTransientAndLeavesNothing() {
        byte[] archive = pack(SampleFlake.create(tmp.resolve("src")), PackOptions.defaults());
        InputStream failing = new InputStream() {
            private final InputStream in = new ByteArrayInputStream(archive, 0, archive.length / 2);

            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = in.read(b, off, len);
                if (n < 0) {
                    throw new IOException("connection reset");
                }
                return n;
            }
        };

        assertThatThrownBy(() -> FlakeArchive.unpack(failing, tmp.resolve("out"), UnpackLimits.defaults()))
                .isInstanceOf(ArchiveException.class)
                .hasMessage("archive: reading the stream failed: connection reset")
                .matches(e -> ((ArchiveException) e).isTransient());
        assertThat(list(tmp)).containsExactly("src");
    }

    @Test
    void cutAnywhereTheStreamFailsAsCorruptOrTruncated() {
        byte[] archive = pack(SampleFlake.create(tmp.resolve("src")), PackOptions.defaults());
        for (int i = 1; i < 24; i++) {
            int length = (int) ((long) archive.length * i / 24);
            byte[] cut = java.util.Arrays.copyOf(archive, length);
            assertThatThrownBy(() -> unpack(cut, tmp.resolve("out")))
                    .as("cut at %d of %d", length, archive.length)
                    .isInstanceOf(ArchiveException.class)
                    .hasMessageStartingWith("archive: corrupt or truncated stream: ");
        }
        for (int missing = 1; missing <= 8; missing++) {
            byte[] cut = java.util.Arrays.copyOf(archive, archive.length - missing);
            assertThatThrownBy(() -> unpack(cut, tmp.resolve("out")))
                    .isInstanceOf(ArchiveException.class)
                    .hasMessageStartingWith("archive: corrupt or truncated stream: ");
        }
        assertThat(list(tmp)).containsExactly("src");
    }

    @Test
    void requireFlakeChecksTheRoot() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("release"));

        assertThatThrownBy(() -> FlakeArchive.requireFlake(dir))
                .isInstanceOf(ArchiveException.class).hasMessage("release: no flake.nix at the root");
        Files.writeString(dir.resolve("flake.nix"), "{ }");
        FlakeArchive.requireFlake(dir);
    }

    private void assertRefused(byte[] archive, UnpackLimits limits, String message) {
        Path dest = tmp.resolve("limited");
        assertThatThrownBy(() -> FlakeArchive.unpack(new ByteArrayInputStream(archive), dest, limits))
                .isInstanceOf(ArchiveException.class)
                .hasMessageStartingWith(message);
        assertThat(dest).doesNotExist();
    }

    private static long regularFileBytes(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            long total = 0;
            for (Path path : paths.toList()) {
                if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    total += Files.size(path);
                }
            }
            return total;
        }
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
