package dev.npcnix.archive;

/**
 * What an unpack created.
 *
 * @param entries entries created
 * @param contentBytes bytes of file content written
 * @param compressedBytes bytes read from the compressed stream
 */
public record UnpackResult(int entries, long contentBytes, long compressedBytes) {
}
