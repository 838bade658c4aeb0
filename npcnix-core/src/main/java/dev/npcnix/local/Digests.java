package dev.npcnix.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The digests npcnix uses: SHA-256 (release and entry identity, file-store ETags) and MD5 (S3's
 * single-part ETag and {@code Content-MD5}). Every JDK has both, so asking for one never fails.
 */
public final class Digests {
    private static final int BUFFER = 64 * 1024;

    private Digests() {
    }

    /** A fresh SHA-256 digest. */
    public static MessageDigest sha256() {
        return digest("SHA-256");
    }

    /** A fresh MD5 digest. */
    public static MessageDigest md5() {
        return digest("MD5");
    }

    /** Lowercase hex of the digest's result (resets it). */
    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The lowercase hex SHA-256 of {@code bytes}. */
    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    /** The lowercase hex MD5 of {@code bytes} (S3's ETag of a single-part upload). */
    public static String md5Hex(byte[] bytes) {
        return HexFormat.of().formatHex(md5().digest(bytes));
    }

    /** Lowercase hex SHA-256 of everything left in {@code in} (not closed). */
    public static String sha256Hex(InputStream in) throws IOException {
        MessageDigest sha = sha256();
        update(sha, in);
        return hex(sha);
    }

    /** Lowercase hex SHA-256 of a file's content. */
    public static String sha256Hex(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256Hex(in);
        }
    }

    /** Feeds everything left in {@code in} (not closed) to each digest. */
    public static void update(MessageDigest digest, InputStream in) throws IOException {
        byte[] buf = new byte[BUFFER];
        int n;
        while ((n = in.read(buf)) >= 0) {
            digest.update(buf, 0, n);
        }
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has " + algorithm, e);
        }
    }
}
