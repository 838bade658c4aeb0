package dev.npcnix.archive;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * The {@code .npcnix} format: a tar stream compressed with zstd, entries relative to the flake root,
 * compatible with the Rust npcnix both ways. Packing is deterministic; unpacking treats its input as hostile.
 */
public final class FlakeArchive {
    private FlakeArchive() {
    }

    /**
     * Packs the flake in {@code src} (which must hold {@code flake.nix}) to {@code out}. The same tree
     * and options always give the same bytes. Does not close {@code out}.
     *
     * @throws dev.npcnix.InvalidInputException when {@code src} is not a directory with flake.nix
     */
    public static PackResult pack(Path src, OutputStream out, PackOptions options) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Unpacks into {@code dest}, which must not exist yet (its parent must). On any failure nothing is
     * left at {@code dest} and an {@link ArchiveException} names the entry and the problem. Entries that
     * escape, devices and fifos are rejected, setuid/setgid bits dropped, {@code limits} enforced.
     */
    public static UnpackResult unpack(InputStream in, Path dest, UnpackLimits limits) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Fails unless {@code dir} holds a {@code flake.nix} at its root. */
    public static void requireFlake(Path dir) {
        if (!java.nio.file.Files.isRegularFile(dir.resolve("flake.nix"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new ArchiveException("release: no flake.nix at the root");
        }
    }
}
