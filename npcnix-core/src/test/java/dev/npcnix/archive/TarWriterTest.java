package dev.npcnix.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;

/**
 * {@link TarWriter} writes the very bytes Commons Compress wrote for a pack (as TarPacker configured it
 * before): the SHA-256 of an unchanged flake must not change with the npcnix version. Names around the
 * 100-byte limit in one-, two-, three- and four-byte UTF-8, long symlink targets, content sizes around
 * block boundaries, mtimes that need base-256.
 */
class TarWriterTest {
    private record Entry(String name, byte type, int mode, int size, String link) {
    }

    @Test
    void sameBytesAsCommonsCompressForEveryKindOfEntry() throws IOException {
        List<Entry> entries = new ArrayList<>();
        entries.add(new Entry("flake.nix", TarWriter.FILE, 0644, 300, null));
        entries.add(new Entry("hosts/", TarWriter.DIRECTORY, 0755, 0, null));
        entries.add(new Entry("hosts/run.sh", TarWriter.FILE, 0755, 512, null));
        entries.add(new Entry("hosts/empty", TarWriter.FILE, 0644, 0, null));
        entries.add(new Entry("hosts/odd", TarWriter.FILE, 0644, 513, null));
        entries.add(new Entry("hosts/big", TarWriter.FILE, 0644, 70_000, null));
        entries.add(new Entry("link", TarWriter.SYMLINK, 0777, 0, "hosts/run.sh"));
        entries.add(new Entry("日本/設定.nix", TarWriter.FILE, 0644, 17, null));
        for (String unit : List.of("a", "é", "設", "😀")) {
            for (int bytes = 95; bytes <= 106; bytes++) {
                String name = name(unit, bytes);
                entries.add(new Entry(name, TarWriter.FILE, 0644, bytes, null));
                entries.add(new Entry(name + "/", TarWriter.DIRECTORY, 0755, 0, null));
                entries.add(new Entry("l" + bytes + unit, TarWriter.SYMLINK, 0777, 0, name));
            }
            String longName = "d/".repeat(40) + name(unit, 250);
            entries.add(new Entry(longName, TarWriter.SYMLINK, 0777, 0, "../".repeat(30) + name(unit, 200)));
        }
        for (long mtime : List.of(315_532_800L, 0L, 1L, 077777777777L, 077777777777L + 1, 1L << 40, -1L, -315_532_800L)) {
            assertThat(ours(entries, mtime)).as("mtime %d", mtime).isEqualTo(commonsCompress(entries, mtime));
        }
    }

    @Test
    void randomTreesGiveTheSameBytes() throws IOException {
        SplittableRandom random = new SplittableRandom(16);
        String[] units = {"a", "b", "-", ".", "é", "ß", "設", "😀", "/"};
        for (int round = 0; round < 20; round++) {
            List<Entry> entries = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                StringBuilder name = new StringBuilder("n");
                int length = random.nextInt(1, 180);
                for (int c = 0; c < length; c++) {
                    name.append(units[random.nextInt(units.length)]);
                }
                String n = name.toString().replace("//", "/x/") + "z"; // a file's name never ends with '/'
                switch (random.nextInt(3)) {
                    case 0 -> entries.add(new Entry(n, TarWriter.FILE, random.nextBoolean() ? 0644 : 0755, random.nextInt(2000), null));
                    case 1 -> entries.add(new Entry(n + "/", TarWriter.DIRECTORY, 0755, 0, null));
                    default -> entries.add(new Entry(n, TarWriter.SYMLINK, 0777, 0, n.substring(0, n.length() / 2) + "t"));
                }
            }
            byte[] ours = ours(entries, 315_532_800L);
            byte[] theirs = commonsCompress(entries, 315_532_800L);
            assertThat(Arrays.mismatch(ours, theirs)).as("first different byte (lengths %d, %d)", ours.length, theirs.length)
                    .isEqualTo(-1);
        }
    }

    /** A name of exactly {@code bytes} UTF-8 bytes: copies of {@code unit}, topped up with ASCII. */
    private static String name(String unit, int bytes) {
        int unitBytes = unit.getBytes(StandardCharsets.UTF_8).length;
        StringBuilder s = new StringBuilder();
        for (int n = 0; n + unitBytes <= bytes; n += unitBytes) {
            s.append(unit);
        }
        while (s.toString().getBytes(StandardCharsets.UTF_8).length < bytes) {
            s.append('x');
        }
        return s.toString();
    }

    private static byte[] ours(List<Entry> entries, long mtime) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter tar = new TarWriter(out, mtime, 4096);
        for (Entry e : entries) {
            tar.putEntry(e.name(), e.type(), e.mode(), e.size(), e.link());
            tar.write(content(e), 0, e.size());
            tar.closeEntry();
        }
        tar.finish();
        return out.toByteArray();
    }

    /** What TarPacker wrote with Commons Compress 1.28, with the same settings. */
    private static byte[] commonsCompress(List<Entry> entries, long mtime) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name())) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
            tar.setAddPaxHeadersForNonAsciiNames(false);
            for (Entry e : entries) {
                byte type = e.type() == TarWriter.DIRECTORY ? TarConstants.LF_DIR
                        : e.type() == TarWriter.SYMLINK ? TarConstants.LF_SYMLINK : TarConstants.LF_NORMAL;
                TarArchiveEntry entry = new TarArchiveEntry(e.name(), type);
                entry.setMode(e.mode());
                entry.setUserId(0);
                entry.setGroupId(0);
                entry.setUserName("");
                entry.setGroupName("");
                entry.setLastModifiedTime(FileTime.from(Instant.ofEpochSecond(mtime)));
                if (e.link() != null) {
                    entry.setLinkName(e.link());
                }
                entry.setSize(e.size());
                tar.putArchiveEntry(entry);
                tar.write(content(e), 0, e.size());
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
        return out.toByteArray();
    }

    private static byte[] content(Entry e) {
        byte[] b = new byte[e.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + e.name().length());
        }
        return b;
    }
}
