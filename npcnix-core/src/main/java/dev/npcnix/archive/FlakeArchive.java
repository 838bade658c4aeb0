package dev.npcnix.archive;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The {@code .npcnix} format: a tar stream compressed with zstd, entries relative to the flake root,
 * compatible with the Rust npcnix both ways. Packing is deterministic; unpacking treats its input as hostile.
 */
public final class FlakeArchive {
    private FlakeArchive() {
    }

    /**
     * Packs the flake in {@code src} (which must hold {@code flake.nix}) to {@code out}. The same tree
     * and options always give the same bytes. Ends the zstd frame but does not close {@code out}.
     * Absolute or escaping symlinks and special files are skipped and listed in the result's warnings.
     * When it throws, what was written to {@code out} is not a usable archive.
     *
     * @throws dev.npcnix.InvalidInputException when {@code src} is not a directory with flake.nix
     * @throws ArchiveException (transient) when reading {@code src} or writing {@code out} fails
     */
    public static PackResult pack(Path src, OutputStream out, PackOptions options) {
        return TarPacker.pack(src, out, options, PackProgress.NONE);
    }

    /**
     * As {@link #pack(Path, OutputStream, PackOptions)}, reporting the content bytes packed so far to
     * {@code progress}. The total is measured first, by a walk of the tree (file sizes only), so that a
     * progress bar can show how much is left; with {@link PackProgress#NONE} there is no such walk.
     */
    public static PackResult pack(Path src, OutputStream out, PackOptions options, PackProgress progress) {
        return TarPacker.pack(src, out, options, progress);
    }

    /**
     * Unpacks into {@code dest}, which must not exist yet (its parent must). On any failure nothing is
     * left at {@code dest} and an {@link ArchiveException} names the entry and the problem. Entries that
     * escape, devices and fifos are rejected, setuid/setgid bits dropped, {@code limits} enforced.
     * Does not close {@code in}.
     *
     * @throws dev.npcnix.InvalidInputException when {@code dest} exists or its parent does not
     */
    public static UnpackResult unpack(InputStream in, Path dest, UnpackLimits limits) {
        return SafeUnpacker.unpack(in, dest, limits, null);
    }

    /**
     * As {@link #unpack(InputStream, Path, UnpackLimits)}, reporting every entry created, with the
     * SHA-256 of each file's content, to {@code observer} in archive order. Entries are reported as they
     * are written: when the unpack then fails, discard what was observed.
     */
    public static UnpackResult unpack(InputStream in, Path dest, UnpackLimits limits,
            Consumer<? super UnpackedEntry> observer) {
        return SafeUnpacker.unpack(in, dest, limits, Objects.requireNonNull(observer, "observer"));
    }

    /**
     * Loads zstd's native library now, unpacking it into {@code privateTempDir} instead of
     * {@code java.io.tmpdir}; does nothing when it is loaded already. zstd-jni deletes its unpacked copy
     * once loaded, but a process killed in between leaves a library file behind, in a directory nobody
     * cleans. A daemon passes its data dir's {@code tmp/}, which it empties at every start. When loading
     * from there fails, the library is loaded the usual way on first use.
     */
    public static void loadCodec(Path privateTempDir) {
        try {
            com.github.luben.zstd.util.Native.load(privateTempDir.toFile());
        } catch (LinkageError | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(FlakeArchive.class)
                    .debug("cannot load the zstd library from {}: {}", privateTempDir, e.toString());
        }
    }

    /** Checks that an unpacked release is a flake. */
    public static void requireFlake(Path dir) {
        if (!Files.isRegularFile(dir.resolve("flake.nix"))) {
            throw new ArchiveException("release: no flake.nix at the root");
        }
    }
}
