package dev.npcnix.testing.archive;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipEncodingHelper;

/**
 * Writes tar streams with arbitrary, also hostile, entries: what no well-behaved packer produces.
 * Ordinary entries get their headers from Commons Compress; what it cannot express (names that are
 * not UTF-8, NUL bytes, bad checksums, missing end markers) is written as raw header bytes.
 * Content is streamed, so a builder can describe a gigabyte of zeros without holding it.
 *
 * <pre>{@code
 * byte[] npcnix = TarBuilder.tar().dir("sub/").symlink("link", "sub").file("link/evil", "x").zstd();
 * }</pre>
 */
public final class TarBuilder {
    private static final int BLOCK = 512;
    private static final long MTIME = 315532800L; // 1980-01-01, as our packer writes

    private interface Part {
        void write(OutputStream out) throws IOException;
    }

    private final List<Part> parts = new ArrayList<>();
    private long mtime = MTIME;
    private boolean endMarker = true;
    private long trailingZeros;

    private TarBuilder() {
    }

    public static TarBuilder tar() {
        return new TarBuilder();
    }

    public TarBuilder dir(String name) {
        return header(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, 0755, 0, "");
    }

    public TarBuilder file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
    }

    public TarBuilder file(String name, byte[] content, int mode) {
        header(name, TarConstants.LF_NORMAL, mode, content.length, "");
        parts.add(out -> writePadded(out, content));
        return this;
    }

    /** A file of {@code size} zero bytes, generated while written. */
    public TarBuilder zeros(String name, long size) {
        header(name, TarConstants.LF_NORMAL, 0644, size, "");
        parts.add(out -> {
            byte[] chunk = new byte[1 << 20];
            for (long left = size; left > 0; left -= chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
            out.write(new byte[padding(size)]);
        });
        return this;
    }

    public TarBuilder symlink(String name, String target) {
        return header(name, TarConstants.LF_SYMLINK, 0777, 0, target);
    }

    public TarBuilder hardlink(String name, String target) {
        return header(name, TarConstants.LF_LINK, 0644, 0, target);
    }

    public TarBuilder fifo(String name) {
        return header(name, TarConstants.LF_FIFO, 0644, 0, "");
    }

    public TarBuilder charDevice(String name, int major, int minor) {
        return device(name, TarConstants.LF_CHR, major, minor);
    }

    public TarBuilder blockDevice(String name, int major, int minor) {
        return device(name, TarConstants.LF_BLK, major, minor);
    }

    /** A plain ustar entry of any type byte, e.g. {@code 'S'} (GNU sparse), through Commons Compress. */
    public TarBuilder entry(String name, byte type, int mode, byte[] content, String linkName) {
        header(name, type, mode, content.length, linkName);
        parts.add(out -> writePadded(out, content));
        return this;
    }

    /**
     * A regular file whose header holds exactly {@code nameBytes} (at most 100, e.g. not UTF-8);
     * an empty array gives an entry with an empty name.
     */
    public TarBuilder rawFile(byte[] nameBytes, byte[] content, int mode) {
        return rawEntry(nameBytes, (byte) '0', mode, content, new byte[0], false);
    }

    /**
     * An entry from raw header bytes: any name or link bytes (at most 100 each), any mode (with file
     * type bits, as the Rust tar crate writes them), ustar or GNU magic. Checksum correct.
     */
    public TarBuilder rawEntry(byte[] nameBytes, byte type, int mode, byte[] content, byte[] linkBytes, boolean gnuMagic) {
        parts.add(out -> {
            out.write(rawHeader(nameBytes, type, mode, content.length, linkBytes, gnuMagic));
            writePadded(out, content);
        });
        return this;
    }

    /** A GNU long-name record ({@code ././@LongLink}, type 'L') holding these bytes, for the next entry. */
    public TarBuilder gnuLongName(byte[] nameBytes) {
        byte[] data = Arrays.copyOf(nameBytes, nameBytes.length + 1);
        parts.add(out -> {
            out.write(rawHeader("././@LongLink".getBytes(StandardCharsets.US_ASCII), (byte) 'L', 0644, data.length,
                    new byte[0], true));
            writePadded(out, data);
        });
        return this;
    }

    /** A PAX extended header (type 'x') for the next entry, records in the given order. */
    public TarBuilder pax(Map<String, String> records) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        records.forEach((key, value) -> {
            byte[] body = (" " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8);
            int length = body.length + 1;
            while (length != Integer.toString(length).length() + body.length) {
                length = Integer.toString(length).length() + body.length;
            }
            data.writeBytes(Integer.toString(length).getBytes(StandardCharsets.US_ASCII));
            data.writeBytes(body);
        });
        byte[] bytes = data.toByteArray();
        parts.add(out -> {
            out.write(rawHeader("./PaxHeaders/x".getBytes(StandardCharsets.US_ASCII), (byte) 'x', 0644, bytes.length,
                    new byte[0], false));
            writePadded(out, bytes);
        });
        return this;
    }

    /** A file whose header checksum is wrong. */
    public TarBuilder badChecksum(String name, String content) {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        parts.add(out -> {
            byte[] header = rawHeader(name.getBytes(StandardCharsets.UTF_8), (byte) '0', 0644, data.length,
                    new byte[0], false);
            header[148] = '7';
            out.write(header);
            writePadded(out, data);
        });
        return this;
    }

    /** Arbitrary bytes, as they are, between entries. */
    public TarBuilder raw(byte[] bytes) {
        parts.add(out -> out.write(bytes));
        return this;
    }

    /** The modification time (seconds) of the entries added after this call. */
    public TarBuilder mtime(long seconds) {
        mtime = seconds;
        return this;
    }

    /** Leaves out the two zero blocks that end a tar stream. */
    public TarBuilder withoutEndMarker() {
        endMarker = false;
        return this;
    }

    /** Zero bytes after the end marker (GNU tar pads to 10 KiB records). */
    public TarBuilder trailingZeros(long count) {
        trailingZeros = count;
        return this;
    }

    public void writeTar(OutputStream out) throws IOException {
        for (Part part : parts) {
            part.write(out);
        }
        if (endMarker) {
            out.write(new byte[2 * BLOCK]);
        }
        for (long left = trailingZeros; left > 0; left -= BLOCK) {
            out.write(new byte[(int) Math.min(BLOCK, left)]);
        }
    }

    public byte[] tarBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeTar(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The tar stream compressed as a {@code .npcnix} is: one zstd frame with a checksum. */
    public byte[] zstd() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream zstd = new ZstdOutputStream(out, 3)) {
            zstd.setChecksum(true);
            writeTar(zstd);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Compresses any bytes the way {@link #zstd()} does. */
    public static byte[] zstd(byte[] data) {
        return tar().raw(data).withoutEndMarker().zstd();
    }

    private TarBuilder device(String name, byte type, int major, int minor) {
        long time = mtime;
        parts.add(out -> {
            TarArchiveEntry entry = entry(name, type, 0644, 0, "", time);
            entry.setDevMajor(major);
            entry.setDevMinor(minor);
            out.write(headerBytes(entry));
        });
        return this;
    }

    /** A header through Commons Compress, preceded by GNU long-name records when needed. */
    private TarBuilder header(String name, byte type, int mode, long size, String linkName) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100) {
            gnuLongName(nameBytes);
        }
        byte[] linkBytes = linkName.getBytes(StandardCharsets.UTF_8);
        if (linkBytes.length > 100) {
            byte[] data = Arrays.copyOf(linkBytes, linkBytes.length + 1);
            parts.add(out -> {
                out.write(rawHeader("././@LongLink".getBytes(StandardCharsets.US_ASCII), (byte) 'K', 0644,
                        data.length, new byte[0], true));
                writePadded(out, data);
            });
        }
        long time = mtime;
        parts.add(out -> out.write(headerBytes(entry(name, type, mode, size, linkName, time))));
        return this;
    }

    private static TarArchiveEntry entry(String name, byte type, int mode, long size, String linkName, long mtime) {
        // preserveAbsolutePath: hostile names such as "/etc/x" must reach the stream as they are
        TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
        entry.setMode(mode);
        entry.setSize(size);
        entry.setUserId(0);
        entry.setGroupId(0);
        entry.setUserName("");
        entry.setGroupName("");
        entry.setLastModifiedTime(FileTime.from(mtime, TimeUnit.SECONDS));
        if (!linkName.isEmpty()) {
            entry.setLinkName(linkName);
        }
        return entry;
    }

    private static byte[] headerBytes(TarArchiveEntry entry) throws IOException {
        byte[] header = new byte[BLOCK];
        entry.writeEntryHeader(header, ZipEncodingHelper.getZipEncoding(StandardCharsets.UTF_8), true);
        return header;
    }

    /** A ustar (or GNU, for long-name records) header from raw bytes, with a correct checksum. */
    private static byte[] rawHeader(byte[] name, byte type, int mode, long size, byte[] linkName, boolean gnuMagic) {
        if (name.length > 100 || linkName.length > 100) {
            throw new IllegalArgumentException("raw header fields hold at most 100 bytes");
        }
        byte[] header = new byte[BLOCK];
        System.arraycopy(name, 0, header, 0, name.length);
        octal(header, 100, 8, mode);
        octal(header, 108, 8, 0);
        octal(header, 116, 8, 0);
        octal(header, 124, 12, size);
        octal(header, 136, 12, MTIME);
        header[156] = type;
        System.arraycopy(linkName, 0, header, 157, linkName.length);
        byte[] magic = (gnuMagic ? "ustar  \0" : "ustar\u000000").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(magic, 0, header, 257, magic.length);
        Arrays.fill(header, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        octal(header, 148, 7, sum);
        header[155] = ' ';
        return header;
    }

    private static void octal(byte[] header, int offset, int length, long value) {
        String digits = Long.toOctalString(value);
        String padded = "0".repeat(Math.max(0, length - 1 - digits.length())) + digits;
        byte[] bytes = padded.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
        header[offset + length - 1] = 0;
    }

    private static void writePadded(OutputStream out, byte[] data) throws IOException {
        out.write(data);
        out.write(new byte[padding(data.length)]);
    }

    private static int padding(long size) {
        return (int) ((BLOCK - size % BLOCK) % BLOCK);
    }
}
