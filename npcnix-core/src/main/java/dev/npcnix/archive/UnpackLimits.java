package dev.npcnix.archive;

/**
 * Bounds on what an unpack may create, so a hostile archive cannot fill the disk.
 *
 * @param maxBytes total bytes of file content
 * @param maxEntries number of entries
 * @param maxPathLength bytes of one entry's path (UTF-8)
 * @param maxRatio uncompressed content bytes per compressed byte, checked once past {@code ratioGraceBytes}
 * @param ratioGraceBytes content bytes below which the ratio is not checked (small text compresses well)
 */
public record UnpackLimits(long maxBytes, int maxEntries, int maxPathLength, int maxRatio, long ratioGraceBytes) {
    public static UnpackLimits defaults() {
        return new UnpackLimits(2L << 30, 200_000, 1024, 200, 16L << 20);
    }

    public UnpackLimits withMaxBytes(long newMaxBytes) {
        return new UnpackLimits(newMaxBytes, maxEntries, maxPathLength, maxRatio, ratioGraceBytes);
    }

    public UnpackLimits withMaxEntries(int newMaxEntries) {
        return new UnpackLimits(maxBytes, newMaxEntries, maxPathLength, maxRatio, ratioGraceBytes);
    }
}
