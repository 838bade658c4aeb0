package dev.npcnix.archive;

import static dev.npcnix.archive.Archives.list;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.npcnix.testing.archive.HostileArchives;
import dev.npcnix.testing.archive.HostileArchives.HostileCase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/** Every archive of the hostile corpus is refused, deterministically, without a trace on disk. */
class HostileArchiveTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.npcnix.testing.archive.HostileArchives#all")
    void isRefusedLeavingNothingBehind(HostileCase hostile) throws IOException {
        Path parent = Files.createDirectories(tmp.resolve("parent"));
        Path sentinel = Files.createDirectories(tmp.resolve("sentinel"));
        Path dest = parent.resolve("dest");

        ArchiveException e = catchThrowableOfType(ArchiveException.class,
                () -> FlakeArchive.unpack(hostile.open(), dest, UnpackLimits.defaults()));

        assertThat(e).as("unpack of %s", hostile.name()).isNotNull();
        assertThat(e.getMessage()).contains(hostile.expectedMessage()).doesNotContain("\n");
        assertThat(e.isTransient()).as("a bad archive fails the same way every time").isFalse();
        assertThat(dest).doesNotExist();
        assertThat(list(parent)).isEmpty();
        assertThat(list(sentinel)).isEmpty();
        assertThat(list(tmp)).containsExactly("parent", "sentinel");
        assertThat(Path.of("/tmp/npcnix-hostile-absolute")).doesNotExist();
        assertThat(Path.of("/tmp/npcnix-hostile-longname")).doesNotExist();
        assertThat(Path.of("/tmp/npcnix-hostile-evil")).doesNotExist();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.npcnix.testing.archive.HostileArchives#all")
    void failsTheSameWayTwice(HostileCase hostile) {
        String first = catchThrowableOfType(ArchiveException.class,
                () -> FlakeArchive.unpack(hostile.open(), tmp.resolve("one"), UnpackLimits.defaults())).getMessage();
        String second = catchThrowableOfType(ArchiveException.class,
                () -> FlakeArchive.unpack(hostile.open(), tmp.resolve("two"), UnpackLimits.defaults())).getMessage();

        assertThat(second).isEqualTo(first);
    }

    @org.junit.jupiter.api.Test
    void corpusNamesAreUnique() {
        assertThat(HostileArchives.all()).extracting(HostileCase::name).doesNotHaveDuplicates();
    }
}
