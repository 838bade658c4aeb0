package dev.npcnix.follow;

import dev.npcnix.archive.UnpackedEntry;
import java.nio.file.Path;
import java.util.List;

/**
 * A release unpacked into {@code dir}, not yet verified, with every entry as the unpack created it
 * (content hashed while written, so a verifier needs no second pass over the tree).
 *
 * @param entries in archive order; empty when the verifier asked for none ({@link ReleaseVerifier#inspectsEntries()})
 */
public record UnpackedFlake(Path dir, Release release, List<UnpackedEntry> entries) {
    public UnpackedFlake {
        entries = List.copyOf(entries);
    }
}
