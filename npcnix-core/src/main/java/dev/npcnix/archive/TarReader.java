package dev.npcnix.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A strict, streaming reader of tar as written by GNU tar (gnu, ustar and pax formats), the Rust tar
 * crate and us. It hands out names as raw bytes (the caller decodes them strictly), merges GNU long
 * names and PAX {@code path}/{@code linkpath}/{@code size} into the entry they describe, and fails on
 * anything it cannot vouch for: bad checksums, a stream cut short, a missing end-of-archive marker,
 * sparse files, data after the end.
 *
 * <p>Commons Compress's {@code TarArchiveInputStream} is not used here: it decodes invalid UTF-8 names
 * to '?' without telling, and takes a header cut short for a clean end of the archive.
 */
final class TarReader {
    static final int BLOCK = 512;
    /** Bytes of a PAX header or GNU long name; real ones are a few hundred bytes. */
    static final int MAX_EXTENSION_BYTES = 64 * 1024;
    /** Extension headers (PAX, GNU long name/link) in front of one entry; real ones use at most 3. */
    static final int MAX_EXTENSION_HEADERS = 8;
    /** Zero padding tolerated after the end-of-archive marker (GNU tar pads to 10 KiB records). */
    static final int MAX_TRAILER_BYTES = 1024 * 1024;
    private static final int MAX_DISPLAY_CHARS = 120;

    enum Type { FILE, DIRECTORY, SYMLINK, HARDLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO, UNSUPPORTED }

    /**
     * One entry.
     *
     * @param index 1-based position among the entries (extension headers not counted)
     * @param name raw name bytes (GNU long name or PAX path applied, ustar prefix joined)
     * @param typeFlag the header's type byte, for messages
     * @param linkName raw link target bytes (symlinks, hard links), empty otherwise
     */
    record Entry(int index, byte[] name, Type type, byte typeFlag, int mode, long size, byte[] linkName) {
    }

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    private final byte[] scratch = new byte[8192];
    private long bytesRead;
    private long remaining;
    private int padding;
    private int index;
    /** The raw name of the current entry; shown only in messages, so decoded only for one. */
    private byte[] currentName = new byte[0];
    private boolean ended;

    TarReader(InputStream in) {
        this.in = in;
    }

    /** Bytes of the tar stream consumed so far: headers, content, padding. */
    long bytesRead() {
        return bytesRead;
    }

    /** The next entry, or null at the end-of-archive marker. Skips what is left of the previous one. */
    Entry next() throws IOException {
        if (ended) {
            return null;
        }
        skipRemaining();
        byte[] longName = null;
        byte[] longLink = null;
        byte[] paxPath = null;
        byte[] paxLink = null;
        long paxSize = -1;
        int extensions = 0;
        while (true) {
            if (!readHeader()) {
                throw corrupt(extensions > 0
                        ? "tar ends after an extension header, without the entry it describes"
                        : "tar ends without its end-of-archive marker");
            }
            if (isZero(header)) {
                if (extensions > 0) {
                    throw corrupt("end-of-archive marker right after an extension header");
                }
                ended = true;
                return null;
            }
            verifyChecksum();
            byte flag = header[156];
            long size = number(124, 12, "size");
            if (flag == 'x' || flag == 'X' || flag == 'g' || flag == 'L' || flag == 'K') {
                if (++extensions > MAX_EXTENSION_HEADERS) {
                    throw corrupt("more than " + MAX_EXTENSION_HEADERS + " extension headers before entry #" + (index + 1));
                }
                byte[] data = readExtension(size, flag);
                switch (flag) {
                    case 'L' -> longName = stripTrailingNuls(data);
                    case 'K' -> longLink = stripTrailingNuls(data);
                    case 'g' -> parsePax(data); // validated, then ignored (git archive puts its commit id here)
                    default -> {
                        PaxRecords pax = parsePax(data);
                        paxPath = pax.path != null ? pax.path : paxPath;
                        paxLink = pax.linkPath != null ? pax.linkPath : paxLink;
                        paxSize = pax.size >= 0 ? pax.size : paxSize;
                    }
                }
                continue;
            }
            index++;
            byte[] name = paxPath != null ? paxPath : longName != null ? longName : headerName();
            byte[] link = paxLink != null ? paxLink : longLink != null ? longLink : field(157, 100);
            long entrySize = paxSize >= 0 ? paxSize : size;
            Type type = type(flag, name);
            currentName = name;
            // Devices and fifos never carry data, whatever their size field says.
            remaining = type == Type.CHAR_DEVICE || type == Type.BLOCK_DEVICE || type == Type.FIFO ? 0 : entrySize;
            padding = (int) ((BLOCK - remaining % BLOCK) % BLOCK);
            int mode = (int) (number(100, 8, "mode") & 07777);
            return new Entry(index, name, type, flag, mode, entrySize, link);
        }
    }

    /** Reads the current entry's data; -1 at its end. */
    int read(byte[] buffer, int offset, int length) throws IOException {
        if (remaining <= 0) {
            return -1;
        }
        int n = in.read(buffer, offset, (int) Math.min(length, remaining));
        if (n < 0) {
            throw corrupt("entry " + current() + " is cut short (" + remaining + " bytes missing)");
        }
        remaining -= n;
        bytesRead += n;
        return n;
    }

    /**
     * After the end-of-archive marker: reads the rest of the stream, which must be zero padding. Reading
     * to the very end also makes the decompressor check the frame's end and checksum.
     */
    void readTrailer() throws IOException {
        long trailer = 0;
        int n;
        while ((n = in.read(scratch, 0, scratch.length)) >= 0) {
            trailer += n;
            bytesRead += n;
            if (trailer > MAX_TRAILER_BYTES) {
                throw corrupt("more than " + MAX_TRAILER_BYTES + " bytes after the end-of-archive marker");
            }
            for (int i = 0; i < n; i++) {
                if (scratch[i] != 0) {
                    throw corrupt("data after the end-of-archive marker");
                }
            }
        }
    }

    private void skipRemaining() throws IOException {
        while (remaining > 0) {
            read(scratch, 0, scratch.length);
        }
        if (padding > 0) {
            if (!readFully(scratch, padding)) {
                throw corrupt("padding of entry " + current() + " is cut short");
            }
            padding = 0;
        }
    }

    /** False on a clean end of stream at a block boundary. */
    private boolean readHeader() throws IOException {
        int n = in.readNBytes(header, 0, BLOCK);
        bytesRead += n;
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw corrupt(index == 0 ? "first header is cut short" : "header after entry " + current() + " is cut short");
        }
        return true;
    }

    private byte[] readExtension(long size, byte flag) throws IOException {
        if (size > MAX_EXTENSION_BYTES) {
            throw corrupt("extension header '" + (char) flag + "' before entry #" + (index + 1) + " has "
                    + size + " bytes (limit " + MAX_EXTENSION_BYTES + ")");
        }
        int length = (int) size;
        int padded = (length + BLOCK - 1) / BLOCK * BLOCK;
        byte[] data = new byte[padded];
        if (!readFully(data, padded)) {
            throw corrupt("extension header before entry #" + (index + 1) + " is cut short");
        }
        return Arrays.copyOf(data, length);
    }

    /** False when the stream ends first. */
    private boolean readFully(byte[] buffer, int length) throws IOException {
        int n = in.readNBytes(buffer, 0, length);
        bytesRead += n;
        return n == length;
    }

    private String current() {
        return display(new String(currentName, StandardCharsets.UTF_8));
    }

    private Type type(byte flag, byte[] name) {
        return switch (flag) {
            case '0', 0, '7' -> name.length > 0 && name[name.length - 1] == '/' ? Type.DIRECTORY : Type.FILE;
            case '1' -> Type.HARDLINK;
            case '2' -> Type.SYMLINK;
            case '3' -> Type.CHAR_DEVICE;
            case '4' -> Type.BLOCK_DEVICE;
            case '5' -> Type.DIRECTORY;
            case '6' -> Type.FIFO;
            default -> Type.UNSUPPORTED; // GNU sparse 'S', volume labels, multi-volume parts, dumpdirs
        };
    }

    private byte[] headerName() {
        byte[] name = field(0, 100);
        boolean posix = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r' && header[262] == 0;
        if (!posix) {
            return name; // v7, or GNU, whose bytes 345.. hold times, not a name prefix
        }
        byte[] prefix = field(345, 155);
        if (prefix.length == 0) {
            return name;
        }
        byte[] joined = Arrays.copyOf(prefix, prefix.length + 1 + name.length);
        joined[prefix.length] = '/';
        System.arraycopy(name, 0, joined, prefix.length + 1, name.length);
        return joined;
    }

    private byte[] field(int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return Arrays.copyOfRange(header, offset, end);
    }

    /** Octal (space or NUL terminated), or GNU/star base-256 when the high bit of the first byte is set. */
    private long number(int offset, int length, String field) {
        if ((header[offset] & 0x80) != 0) {
            if ((header[offset] & 0x40) != 0) {
                throw corrupt("negative " + field + " in the header of entry #" + (index + 1));
            }
            long value = header[offset] & 0x3f;
            for (int i = 1; i < length; i++) {
                if ((value >>> 55) != 0) {
                    throw corrupt(field + " out of range in the header of entry #" + (index + 1));
                }
                value = (value << 8) | (header[offset + i] & 0xff);
            }
            return value;
        }
        int i = offset;
        int end = offset + length;
        while (i < end && header[i] == ' ') {
            i++;
        }
        long value = 0;
        for (; i < end && header[i] != 0 && header[i] != ' '; i++) {
            int digit = header[i] - '0';
            if (digit < 0 || digit > 7) {
                throw corrupt("bad " + field + " field in the header of entry #" + (index + 1));
            }
            if ((value >>> 60) != 0) {
                throw corrupt(field + " out of range in the header of entry #" + (index + 1));
            }
            value = value * 8 + digit;
        }
        return value;
    }

    private void verifyChecksum() {
        long stored = number(148, 8, "checksum");
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = i >= 148 && i < 156 ? (byte) ' ' : header[i];
            unsigned += b & 0xff;
            signed += b;
        }
        if (stored != unsigned && stored != signed) {
            throw corrupt("bad header checksum at entry #" + (index + 1) + " (not a tar stream?)");
        }
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] stripTrailingNuls(byte[] data) {
        int length = data.length;
        while (length > 0 && data[length - 1] == 0) {
            length--;
        }
        return Arrays.copyOf(data, length);
    }

    private static final class PaxRecords {
        byte[] path;
        byte[] linkPath;
        long size = -1;
    }

    /** Records are "LENGTH KEY=VALUE\n", LENGTH in decimal counting the whole record. */
    private PaxRecords parsePax(byte[] data) {
        PaxRecords records = new PaxRecords();
        int pos = 0;
        while (pos < data.length) {
            int space = pos;
            long length = 0;
            while (space < data.length && data[space] >= '0' && data[space] <= '9' && length < data.length) {
                length = length * 10 + (data[space] - '0');
                space++;
            }
            if (space == pos || space >= data.length || data[space] != ' ' || length <= space - pos + 1
                    || pos + length > data.length || data[(int) (pos + length - 1)] != '\n') {
                throw corrupt("malformed PAX header before entry #" + (index + 1));
            }
            int end = (int) (pos + length - 1);
            int equals = space + 1;
            while (equals < end && data[equals] != '=') {
                equals++;
            }
            if (equals >= end || equals == space + 1) {
                throw corrupt("malformed PAX header before entry #" + (index + 1));
            }
            String key = new String(data, space + 1, equals - space - 1, StandardCharsets.UTF_8);
            byte[] value = Arrays.copyOfRange(data, equals + 1, end);
            switch (key) {
                case "path" -> records.path = value;
                case "linkpath" -> records.linkPath = value;
                case "size" -> records.size = paxSize(value);
                default -> {
                    if (key.startsWith("GNU.sparse.")) {
                        throw corrupt("entry #" + (index + 1) + " is a sparse file (not supported)");
                    }
                }
            }
            pos += (int) length;
        }
        return records;
    }

    private long paxSize(byte[] value) {
        String text = new String(value, StandardCharsets.US_ASCII);
        try {
            long size = Long.parseLong(text);
            if (size >= 0 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return size;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw corrupt("bad PAX size before entry #" + (index + 1));
    }

    /** One line, control characters escaped, shortened: names come from the archive. */
    static String display(String name) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < name.length() && out.length() < MAX_DISPLAY_CHARS; i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c)) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.length() < MAX_DISPLAY_CHARS ? out.toString() : out + "...";
    }

    static String escapeBytes(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < bytes.length && out.length() < MAX_DISPLAY_CHARS; i++) {
            int b = bytes[i] & 0xff;
            if (b >= 0x20 && b < 0x7f) {
                out.append((char) b);
            } else {
                out.append(String.format("\\x%02x", b));
            }
        }
        return out.length() < MAX_DISPLAY_CHARS ? out.toString() : out + "...";
    }

    private static ArchiveException corrupt(String cause) {
        return new ArchiveException("archive: corrupt or truncated stream: " + cause);
    }
}
