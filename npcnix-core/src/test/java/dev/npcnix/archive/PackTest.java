package dev.npcnix.archive;

import static dev.npcnix.archive.Archives.headers;
import static dev.npcnix.archive.Archives.names;
import static dev.npcnix.archive.Archives.pack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.npcnix.InvalidInputException;
import dev.npcnix.testing.archive.SampleFlake;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackTest {
    @TempDir
    Path tmp;

    @Test
    void entriesAreRelativeSortedByBytesWithDirectoriesSlashed() throws IOException {
        Path src = SampleFlake.create(tmp.resolve("src"));

        List<String> names = names(pack(src, PackOptions.defaults()));

        assertThat(names).contains("flake.nix", "hosts/", "hosts/db/", "empty/", "日本/設定.nix", SampleFlake.LONG_PATH)
                .noneMatch(name -> name.startsWith("./") || name.startsWith("/"));
        List<String> sorted = new ArrayList<>(names);
        sorted.sort((a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
        assertThat(names).isEqualTo(sorted);
        assertThat(names.indexOf("hosts/")).isLessThan(names.indexOf("hosts/web.nix"));
    }

    @Test
    void headersCarryNoOwnerNoTimeAndOnlyTheExecBit() {
        Path src = SampleFlake.create(tmp.resolve("src"));

        List<TarArchiveEntry> headers = headers(pack(src, PackOptions.defaults()));

        assertThat(headers).allSatisfy(entry -> {
            assertThat(entry.getLongUserId()).isZero();
            assertThat(entry.getLongGroupId()).isZero();
            assertThat(entry.getUserName()).isEmpty();
            assertThat(entry.getGroupName()).isEmpty();
            assertThat(entry.getLastModifiedTime().toInstant()).isEqualTo(PackOptions.DEFAULT_MTIME);
        });
        assertThat(header(headers, "scripts/deploy.sh").getMode()).isEqualTo(0755);
        assertThat(header(headers, "flake.nix").getMode()).isEqualTo(0644);
        assertThat(header(headers, "hosts/").getMode()).isEqualTo(0755);
        assertThat(header(headers, "current.nix").isSymbolicLink()).isTrue();
        assertThat(header(headers, "current.nix").getLinkName()).isEqualTo("hosts/web.nix");
        assertThat(header(headers, "long-link.nix").getLinkName()).isEqualTo(SampleFlake.LONG_PATH);
        assertThat(header(headers, "current.nix").getMode()).isEqualTo(0777);
    }

    @Test
    void sameTreeGivesSameBytesWhateverTheMtimesAndCreationOrder() throws IOException {
        List<String> files = List.of("flake.nix", "b/x.nix", "a/y.nix", "a/b/c.nix", "a-b.nix", "a.nix", "z", "Z", "ä");
        Path first = tree(tmp.resolve("first"), files);
        List<String> reversed = new ArrayList<>(files);
        Collections.reverse(reversed);
        Path second = tree(tmp.resolve("second"), reversed);
        try (Stream<Path> all = Files.walk(second)) {
            for (Path path : all.toList()) {
                Files.setLastModifiedTime(path, FileTime.from(Instant.parse("2031-05-06T07:08:09.123Z")));
            }
        }

        byte[] once = pack(first, PackOptions.defaults());

        assertThat(pack(first, PackOptions.defaults())).isEqualTo(once);
        assertThat(pack(second, PackOptions.defaults())).isEqualTo(once);
        assertThat(names(once)).containsExactly(
                "Z", "a-b.nix", "a.nix", "a/", "a/b/", "a/b/c.nix", "a/y.nix", "b/", "b/x.nix", "flake.nix", "z", "ä");
    }

    @Test
    void bytesDoNotDependOnTheNumberOfZstdWorkers() {
        Path src = SampleFlake.create(tmp.resolve("src"));
        ByteArrayOutputStream one = new ByteArrayOutputStream();
        ByteArrayOutputStream three = new ByteArrayOutputStream();

        TarPacker.pack(src, one, PackOptions.defaults(), 1);
        TarPacker.pack(src, three, PackOptions.defaults(), 3);

        assertThat(three.toByteArray()).isEqualTo(one.toByteArray()).isEqualTo(pack(src, PackOptions.defaults()));
    }

    @Test
    void contentChangesTheBytes() throws IOException {
        Path src = tree(tmp.resolve("src"), List.of("flake.nix"));
        byte[] before = pack(src, PackOptions.defaults());
        Files.writeString(src.resolve("flake.nix"), "changed");

        assertThat(pack(src, PackOptions.defaults())).isNotEqualTo(before);
    }

    @Test
    void sourceDateEpochSetsEveryMtime() {
        Path src = SampleFlake.create(tmp.resolve("src"));

        byte[] archive = pack(src, PackOptions.fromSourceDateEpoch("1700000000"));

        assertThat(headers(archive)).allSatisfy(entry ->
                assertThat(entry.getLastModifiedTime().toInstant()).isEqualTo(Instant.ofEpochSecond(1_700_000_000)));
        assertThat(archive).isNotEqualTo(pack(src, PackOptions.defaults()));
        assertThat(PackOptions.fromSourceDateEpoch(" ")).isEqualTo(PackOptions.defaults());
        assertThatThrownBy(() -> PackOptions.fromSourceDateEpoch("yesterday"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("SOURCE_DATE_EPOCH");
    }

    @Test
    void subSecondMtimeIsTruncatedNotWrittenAsPaxHeaders() {
        Path src = SampleFlake.create(tmp.resolve("src"));

        byte[] archive = pack(src, PackOptions.defaults().withMtime(Instant.ofEpochSecond(1_700_000_000, 999_000_000)));

        assertThat(archive).isEqualTo(pack(src, PackOptions.fromSourceDateEpoch("1700000000")));
    }

    @Test
    void includesLimitTopLevelDirectoriesButKeepTopLevelFiles() throws IOException {
        Path src = tree(tmp.resolve("src"), List.of("flake.nix", "README", "hosts/a.nix", "modules/m.nix", "secrets/s"));

        List<String> names = names(pack(src, PackOptions.defaults().withIncludes(Set.of("hosts", "modules"))));

        assertThat(names).containsExactly("README", "flake.nix", "hosts/", "hosts/a.nix", "modules/", "modules/m.nix");
    }

    @Test
    void gitIsLeftOutUnlessAsked() throws IOException {
        Path src = tree(tmp.resolve("src"), List.of("flake.nix", ".git/HEAD", ".gitignore", "sub/.git/HEAD"));

        assertThat(names(pack(src, PackOptions.defaults())))
                .containsExactly(".gitignore", "flake.nix", "sub/", "sub/.git/", "sub/.git/HEAD");
        assertThat(names(pack(src, PackOptions.defaults().withIncludeGit(true))))
                .contains(".git/", ".git/HEAD");
    }

    @Test
    void gitWorktreeFileIsLeftOutToo() throws IOException {
        Path src = tree(tmp.resolve("src"), List.of("flake.nix", ".git"));

        assertThat(names(pack(src, PackOptions.defaults()))).containsExactly("flake.nix");
    }

    @Test
    void absoluteAndEscapingSymlinksAreSkippedWithWarnings() throws IOException {
        Path src = tree(tmp.resolve("src"), List.of("flake.nix", "sub/a.nix"));
        Files.createSymbolicLink(src.resolve("abs"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(src.resolve("up"), Path.of("../outside"));
        Files.createSymbolicLink(src.resolve("sub/sneaky"), Path.of("../../outside"));
        Files.createSymbolicLink(src.resolve("sub/fine"), Path.of("../flake.nix"));
        Files.createSymbolicLink(src.resolve("dirlink"), Path.of("sub"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        PackResult result = FlakeArchive.pack(src, out, PackOptions.defaults());

        assertThat(names(out.toByteArray()))
                .containsExactly("dirlink", "flake.nix", "sub/", "sub/a.nix", "sub/fine");
        assertThat(result.warnings()).containsExactly(
                "skipped symlink abs -> /etc/passwd: absolute target",
                "skipped symlink sub/sneaky -> ../../outside: points outside the flake",
                "skipped symlink up -> ../outside: points outside the flake");
        assertThat(result.entries()).isEqualTo(5);
        assertThat(result.contentBytes()).isEqualTo(Files.size(src.resolve("flake.nix")) + Files.size(src.resolve("sub/a.nix")));
    }

    @Test
    void fifoIsSkippedWithAWarning() throws Exception {
        Path src = tree(tmp.resolve("src"), List.of("flake.nix"));
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mkfifo")), "mkfifo not installed at /usr/bin/mkfifo");
        Process mkfifo = new ProcessBuilder("/usr/bin/mkfifo", src.resolve("pipe").toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        PackResult result = FlakeArchive.pack(src, out, PackOptions.defaults());

        assertThat(names(out.toByteArray())).containsExactly("flake.nix");
        assertThat(result.warnings()).containsExactly("skipped pipe: not a regular file, directory or symlink");
    }

    @Test
    void namesThatAreNotUtf8AreSkippedWithAWarning() throws Exception {
        Path src = tree(tmp.resolve("src"), List.of("flake.nix", "sub/ok.nix"));
        // Java cannot create such a name; the shell can (\351 is é in Latin-1).
        Process touch = new ProcessBuilder("/bin/sh", "-c",
                "cd \"$0\" && touch \"$(printf 'caf\\351')\" && ln -s \"$(printf 'x\\351')\" sub/link", src.toString())
                .inheritIO().start();
        assertThat(touch.waitFor()).isZero();
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        PackResult result = FlakeArchive.pack(src, out, PackOptions.defaults());

        assertThat(names(out.toByteArray())).containsExactly("flake.nix", "sub/", "sub/ok.nix");
        assertThat(result.warnings()).containsExactly(
                "skipped caf\uFFFD: name is not valid UTF-8", "skipped symlink sub/link: target is not valid UTF-8");
    }

    @Test
    void sourceWithoutFlakeNixIsInvalidInput() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path flakeDir = Files.createDirectories(tmp.resolve("odd/flake.nix"));
        Path file = Files.writeString(tmp.resolve("file"), "x");

        assertThatThrownBy(() -> pack(empty, PackOptions.defaults()))
                .isInstanceOf(InvalidInputException.class).hasMessage("flake source " + empty + ": no flake.nix");
        assertThatThrownBy(() -> pack(flakeDir.getParent(), PackOptions.defaults()))
                .isInstanceOf(InvalidInputException.class).hasMessageEndingWith(": flake.nix is not a regular file");
        assertThatThrownBy(() -> pack(file, PackOptions.defaults()))
                .isInstanceOf(InvalidInputException.class).hasMessage("flake source " + file + ": not a directory");
        assertThatThrownBy(() -> pack(tmp.resolve("missing"), PackOptions.defaults()))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void callersStreamIsFlushedButNotClosed() throws IOException {
        Path src = tree(tmp.resolve("src"), List.of("flake.nix"));
        boolean[] closed = {false};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                bytes.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                bytes.write(b, off, len);
            }

            @Override
            public void close() {
                closed[0] = true;
            }
        };

        FlakeArchive.pack(src, out, PackOptions.defaults());

        assertThat(closed[0]).isFalse();
        assertThat(names(bytes.toByteArray())).containsExactly("flake.nix");
    }

    @Test
    void failingOutputIsATransientArchiveException() throws IOException {
        Path src = tree(tmp.resolve("src"), List.of("flake.nix"));
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        };

        assertThatThrownBy(() -> FlakeArchive.pack(src, broken, PackOptions.defaults()))
                .isInstanceOf(ArchiveException.class)
                .hasMessageContaining("No space left on device")
                .matches(e -> ((ArchiveException) e).isTransient());
    }

    private static TarArchiveEntry header(List<TarArchiveEntry> headers, String name) {
        return headers.stream().filter(h -> h.getName().equals(name)).findFirst().orElseThrow();
    }

    /** A tree of small files, created in the given order; names ending in ".git" with no slash are files. */
    private static Path tree(Path root, List<String> files) throws IOException {
        Files.createDirectories(root);
        for (String file : files) {
            Path path = root.resolve(file);
            Files.createDirectories(path.getParent());
            Files.writeString(path, "content of " + file + "\n");
        }
        return root;
    }
}
