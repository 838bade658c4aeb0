package dev.npcnix.archive;

/**
 * Bounds on what an unpack may create, so a hostile archive cannot fill the disk.
 *
 * @param maxBytes total bytes of file content
 * @param maxEntries number of entries (every tar entry counts, also a {@code ./} for the root)
 * @param maxPathLength bytes of one entry's path (UTF-8), and of a symlink's target
 * @param maxRatio uncompressed bytes of the tar stream (headers, content, padding) per compressed byte
 *     read so far, checked once past {@code ratioGraceBytes}; headers count so that a flood of empty
 *     entries is caught as early as a file of zeros
 * @param ratioGraceBytes uncompressed bytes below which the ratio is not checked (small text compresses well)
 */
public record UnpackLimits(long maxBytes, int maxEntries, int maxPathLength, int maxRatio, long ratioGraceBytes) {
    public UnpackLimits {
        if (maxBytes < 0 || maxEntries < 0 || maxPathLength <= 0 || maxRatio <= 0 || ratioGraceBytes < 0) {
            throw new IllegalArgumentException("unpack limits must be positive: " + maxBytes + ", " + maxEntries
                    + ", " + maxPathLength + ", " + maxRatio + ", " + ratioGraceBytes);
        }
    }

    public static UnpackLimits defaults() {
        return new UnpackLimits(2L << 30, 200_000, 1024, 200, 16L << 20);
    }

    public UnpackLimits withMaxBytes(long newMaxBytes) {
        return new UnpackLimits(newMaxBytes, maxEntries, maxPathLength, maxRatio, ratioGraceBytes);
    }

    public UnpackLimits withMaxEntries(int newMaxEntries) {
        return new UnpackLimits(maxBytes, newMaxEntries, maxPathLength, maxRatio, ratioGraceBytes);
    }

    public UnpackLimits withMaxPathLength(int newMaxPathLength) {
        return new UnpackLimits(maxBytes, maxEntries, newMaxPathLength, maxRatio, ratioGraceBytes);
    }

    public UnpackLimits withMaxRatio(int newMaxRatio, long newRatioGraceBytes) {
        return new UnpackLimits(maxBytes, maxEntries, maxPathLength, newMaxRatio, newRatioGraceBytes);
    }
}
