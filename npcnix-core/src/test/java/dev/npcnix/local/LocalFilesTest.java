package dev.npcnix.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one atomic write: nobody sees a part of the new content, nor a readable temp file. */
class LocalFilesTest {
    @TempDir
    Path dir;

    @Test
    void theTempFileIsPrivateWhileWrittenAndTheTargetGetsTheAskedPermissions() throws IOException {
        Path target = dir.resolve("release.npcnix");
        List<String> whileWritten = new ArrayList<>();
        LocalFiles.writeAtomically(target, Optional.of(PosixFilePermissions.fromString("rw-r--r--")), out -> {
            out.write("part".getBytes(StandardCharsets.UTF_8));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    whileWritten.add(p.getFileName() + " " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                }
            }
            out.write("-whole".getBytes(StandardCharsets.UTF_8));
        });
        assertThat(whileWritten).singleElement().asString().startsWith(".release.npcnix.").endsWith(".tmp rw-------");
        assertThat(target).hasContent("part-whole");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r--r--");
    }

    @Test
    void withoutPermissionsTheTargetGetsWhatTheUmaskGivesANewFile() throws IOException {
        Path plain = Files.createFile(dir.resolve("plain")); // the JVM's umask, as any new file
        Path target = dir.resolve("out");
        LocalFiles.writeAtomically(target, Optional.empty(), out -> out.write(1));
        assertThat(Files.getPosixFilePermissions(target)).isEqualTo(Files.getPosixFilePermissions(plain))
                .isEqualTo(LocalFiles.newFilePermissions());
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemp() throws IOException {
        Path target = Files.writeString(dir.resolve("config.json"), "old");
        assertThatThrownBy(() -> LocalFiles.writeAtomically(target, Optional.empty(), out -> {
            out.write("new".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        })).hasMessage("disk full");
        assertThat(target).hasContent("old");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }
}
