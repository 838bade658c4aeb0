package dev.npcnix.archive;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Small helpers shared by the archive tests. */
final class Archives {
    private Archives() {
    }

    static byte[] pack(Path src, PackOptions options) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FlakeArchive.pack(src, out, options);
        return out.toByteArray();
    }

    static UnpackResult unpack(byte[] archive, Path dest) {
        return FlakeArchive.unpack(new ByteArrayInputStream(archive), dest, UnpackLimits.defaults());
    }

    /** The tar headers of a packed archive, read by a second, independent tar reader. */
    static List<TarArchiveEntry> headers(byte[] archive) {
        List<TarArchiveEntry> entries = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new com.github.luben.zstd.ZstdInputStream(new ByteArrayInputStream(archive)), "UTF-8")) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                entries.add(entry);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }

    static List<String> names(byte[] archive) {
        return headers(archive).stream().map(TarArchiveEntry::getName).toList();
    }

    static List<String> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
