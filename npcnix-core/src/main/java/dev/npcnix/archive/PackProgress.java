package dev.npcnix.archive;

/**
 * Progress of a pack, for a progress bar: content bytes read so far, of the total the flake holds.
 * Called from the packing thread, after each chunk.
 */
@FunctionalInterface
public interface PackProgress {
    PackProgress NONE = (done, total) -> { };

    void packed(long contentBytesDone, long contentBytesTotal);
}
