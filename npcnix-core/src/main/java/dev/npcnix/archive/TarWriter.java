package dev.npcnix.archive;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarUtils;
import org.apache.commons.compress.archivers.zip.ZipEncodingHelper;

/**
 * Writes the tar stream of a pack, byte for byte as Apache Commons Compress 1.28 wrote it for us
 * (GNU long-name mode, star big numbers, no PAX headers, UTF-8 names): ustar headers with the POSIX
 * magic, a {@code ././@LongLink} entry (type 'L' or 'K') before a name or link target of 100 bytes or
 * more, base-256 numbers where octal does not fit, and two zero blocks at the end (records of 512 bytes:
 * no padding to GNU tar's 10 KiB).
 * Identical bytes keep the SHA-256 (and so the ETag) of an unchanged flake across npcnix versions.
 *
 * <p>Written by hand because the library's per-entry work (an entry object reading system properties,
 * a charset encoder per name, every byte copied through a 512-byte block stream, and C2 compiling all
 * of it) was a fifth of a large pack's CPU; the library still cuts names of more than 100 bytes for
 * the header. {@code TarWriterTest} compares both on every kind of entry.
 */
final class TarWriter {
    static final byte FILE = '0';
    static final byte SYMLINK = '2';
    static final byte DIRECTORY = '5';
    private static final byte LONG_NAME = 'L';
    private static final byte LONG_LINK = 'K';
    private static final int BLOCK = 512;
    private static final int NAME_LENGTH = 100;
    private static final long MAX_OCTAL_8 = 07777777L;
    private static final long MAX_OCTAL_12 = 077777777777L;
    private static final byte[] LONG_LINK_NAME = "././@LongLink".getBytes(StandardCharsets.US_ASCII);
    private static final int LONG_LINK_MODE = 0100644;
    private static final byte[] POSIX_MAGIC = {'u', 's', 't', 'a', 'r', 0, '0', '0'};
    /** Commons Compress writes GNU's magic in long-name ('L') headers only. */
    private static final byte[] GNU_MAGIC = {'u', 's', 't', 'a', 'r', ' ', ' ', 0};
    private static final byte[] ZEROS = new byte[2 * BLOCK];

    private final OutputStream out;
    private final long mtime;
    private final byte[] header = new byte[BLOCK];
    /** Headers and small files gathered into large writes (a compressor pays per call). */
    private final byte[] pending;
    private int pendingBytes;
    private long written;
    private long remaining;

    /**
     * Entries carry {@code mtime} (seconds since the epoch). {@code out} gets writes of up to
     * {@code bufferSize} bytes, or larger pieces of content as they come; it is never flushed (a flush
     * would end a zstd block, and change the bytes) nor closed.
     */
    TarWriter(OutputStream out, long mtime, int bufferSize) {
        this.out = out;
        this.mtime = mtime;
        this.pending = new byte[bufferSize];
    }

    /**
     * Starts an entry; for a file, exactly {@code size} bytes of content follow through
     * {@link #write}, then {@link #closeEntry()}.
     */
    void putEntry(String name, byte type, int mode, long size, String linkName) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length >= NAME_LENGTH) {
            longLink(LONG_NAME, nameBytes);
        }
        byte[] linkBytes = linkName == null ? new byte[0] : linkName.getBytes(StandardCharsets.UTF_8);
        if (linkBytes.length >= NAME_LENGTH) {
            longLink(LONG_LINK, linkBytes);
        }
        writeHeader(nameField(name, nameBytes), type, mode, size, mtime, nameField(linkName, linkBytes), false);
        remaining = size;
    }

    void write(byte[] buffer, int offset, int length) throws IOException {
        if (length > remaining) {
            throw new IllegalStateException("entry content longer than its header says");
        }
        emit(buffer, offset, length);
        remaining -= length;
    }

    /** Pads the entry's content to a whole block. */
    void closeEntry() throws IOException {
        if (remaining != 0) {
            throw new IllegalStateException("entry content shorter than its header says by " + remaining + " bytes");
        }
        pad(BLOCK);
    }

    /** The end-of-archive marker (two zero blocks); hands everything to {@code out}. */
    void finish() throws IOException {
        zeros(2 * BLOCK);
        drain();
    }

    /** GNU tar's way to carry a long name: an entry named ././@LongLink whose content is the name and a NUL. */
    private void longLink(byte type, byte[] name) throws IOException {
        // Commons Compress gives it the entry's mtime, or 0 when that is not a valid octal mtime.
        long time = mtime < 0 || mtime > MAX_OCTAL_12 ? 0 : mtime;
        writeHeader(LONG_LINK_NAME, type, LONG_LINK_MODE, name.length + 1L, time, new byte[0], type == LONG_NAME);
        emit(name, 0, name.length);
        zeros(1);
        pad(BLOCK);
    }

    private void writeHeader(byte[] name, byte type, int mode, long size, long time, byte[] link, boolean gnuMagic)
            throws IOException {
        Arrays.fill(header, (byte) 0);
        System.arraycopy(name, 0, header, 0, name.length);
        number(mode, 100, 8);
        number(0, 108, 8); // uid
        number(0, 116, 8); // gid
        number(size, 124, 12);
        number(time, 136, 12);
        Arrays.fill(header, 148, 156, (byte) ' ');
        header[156] = type;
        System.arraycopy(link, 0, header, 157, link.length);
        byte[] magic = gnuMagic ? GNU_MAGIC : POSIX_MAGIC;
        System.arraycopy(magic, 0, header, 257, magic.length);
        // uname and gname (265, 297) stay empty
        number(0, 329, 8); // devmajor
        number(0, 337, 8); // devminor
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        octal(sum, 148, 6);
        header[154] = 0;
        header[155] = ' ';
        emit(header, 0, BLOCK);
    }

    /** Octal digits and a space when the value fits, else star's base-256 (first byte 0x80, or 0xff below zero). */
    private void number(long value, int offset, int length) {
        long max = length == 8 ? MAX_OCTAL_8 : MAX_OCTAL_12;
        if (value >= 0 && value <= max) {
            octal(value, offset, length - 1);
            header[offset + length - 1] = ' ';
            return;
        }
        if (length == 8) {
            throw new IllegalArgumentException("value " + value + " does not fit an 8-byte tar field");
        }
        long v = value;
        for (int i = offset + length - 1; i > offset; i--) {
            header[i] = (byte) v;
            v >>= 8; // sign-extending: the bytes above a long are 0x00 or 0xff
        }
        header[offset] = (byte) (value < 0 ? 0xff : 0x80);
    }

    private void octal(long value, int offset, int digits) {
        long v = value;
        for (int i = offset + digits - 1; i >= offset; i--) {
            header[i] = (byte) ('0' + (v & 7));
            v >>>= 3;
        }
    }

    /**
     * The bytes of a name in a 100-byte header field: all of them when they fit. A longer name (its
     * whole self is in the ././@LongLink entry before) is cut by Commons Compress itself: it cuts whole
     * UTF-16 units until the encoding fits, and its encoder keeps or drops a high surrogate left alone at
     * the end depending on its buffer, which only the library itself reproduces.
     */
    private static byte[] nameField(String name, byte[] bytes) throws IOException {
        if (bytes.length <= NAME_LENGTH) {
            return bytes;
        }
        byte[] field = new byte[NAME_LENGTH];
        TarUtils.formatNameBytes(name, field, 0, NAME_LENGTH, ZipEncodingHelper.getZipEncoding(StandardCharsets.UTF_8.name()));
        int length = NAME_LENGTH;
        while (length > 0 && field[length - 1] == 0) {
            length--;
        }
        return Arrays.copyOf(field, length);
    }

    private void pad(int multiple) throws IOException {
        int rest = (int) (written % multiple);
        if (rest != 0) {
            zeros(multiple - rest);
        }
    }

    private void zeros(int count) throws IOException {
        for (int left = count; left > 0; left -= ZEROS.length) {
            int n = Math.min(left, ZEROS.length);
            emit(ZEROS, 0, n);
        }
    }

    private void emit(byte[] bytes, int offset, int length) throws IOException {
        written += length;
        if (length > pending.length - pendingBytes) {
            drain();
            if (length >= pending.length) {
                out.write(bytes, offset, length);
                return;
            }
        }
        System.arraycopy(bytes, offset, pending, pendingBytes, length);
        pendingBytes += length;
    }

    private void drain() throws IOException {
        if (pendingBytes > 0) {
            out.write(pending, 0, pendingBytes);
            pendingBytes = 0;
        }
    }
}
