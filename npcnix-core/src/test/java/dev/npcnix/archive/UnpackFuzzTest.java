package dev.npcnix.archive;

import static dev.npcnix.archive.Archives.list;
import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.archive.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated tar headers (checksums fixed up, so the mutation reaches the parser): whatever the bytes,
 * an unpack either succeeds with every symlink inside the tree, or fails with an ArchiveException and
 * leaves nothing. Seeded, so a failure reproduces.
 */
class UnpackFuzzTest {
    private static final byte[] INTERESTING = {0, '/', '.', ' ', '0', '1', '2', '3', '4', '5', '6', '7', 'L', 'K', 'x', 'g', 'S',
        (byte) 0x80, (byte) 0xff};

    @TempDir
    Path tmp;

    @Test
    void mutatedHeadersNeverEscapeNorLeaveDebris() throws IOException {
        byte[] tar = TarBuilder.tar()
                .dir("./").file("./flake.nix", "{ }").dir("hosts").file("hosts/web.nix", "web".repeat(300))
                .symlink("current", "hosts/web.nix").hardlink("again", "hosts/web.nix")
                .pax(Map.of("path", "日本/x.nix")).file("pax", "pax")
                .file("l".repeat(150), "long name").symlink("up", "../parent")
                .tarBytes();
        List<Integer> headers = headerOffsets(tar);
        Path parent = Files.createDirectories(tmp.resolve("parent"));
        Path sentinel = Files.createDirectories(tmp.resolve("sentinel"));
        int unpacked = 0;

        for (int seed = 0; seed < 400; seed++) {
            byte[] mutated = mutate(tar, headers, new Random(seed));
            Path dest = parent.resolve("dest-" + seed);
            try {
                FlakeArchive.unpack(new ByteArrayInputStream(TarBuilder.zstd(mutated)), dest, UnpackLimits.defaults());
                assertSymlinksStayInside(dest, seed);
                unpacked++;
            } catch (ArchiveException e) {
                assertThat(dest).as("seed %d: %s", seed, e.getMessage()).doesNotExist();
            }
        }

        assertThat(list(parent)).as("only finished unpacks").hasSize(unpacked).allMatch(name -> name.startsWith("dest-"));
        assertThat(list(sentinel)).isEmpty();
        assertThat(unpacked).as("some mutations are harmless").isPositive();
    }

    private static byte[] mutate(byte[] tar, List<Integer> headers, Random random) {
        byte[] mutated = tar.clone();
        int header = headers.get(random.nextInt(headers.size()));
        int[] fields = {0, 100, 124, 156, 157, 257, 345}; // name, mode, size, type, link name, magic, prefix
        for (int i = 0, flips = 1 + random.nextInt(3); i < flips; i++) {
            int field = fields[random.nextInt(fields.length)];
            int position = header + field + (field == 156 ? 0 : random.nextInt(12));
            mutated[position] = random.nextBoolean() ? INTERESTING[random.nextInt(INTERESTING.length)] : (byte) random.nextInt(256);
        }
        Arrays.fill(mutated, header + 148, header + 156, (byte) ' ');
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += mutated[header + i] & 0xff;
        }
        byte[] checksum = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(checksum, 0, mutated, header + 148, 8);
        return mutated;
    }

    private static List<Integer> headerOffsets(byte[] tar) {
        List<Integer> offsets = new ArrayList<>();
        int offset = 0;
        while (offset + 512 <= tar.length && tar[offset] != 0) {
            offsets.add(offset);
            long size = Long.parseLong(new String(tar, offset + 124, 11, StandardCharsets.US_ASCII).trim(), 8);
            offset += 512 + (int) ((size + 511) / 512 * 512);
        }
        return offsets;
    }

    private static void assertSymlinksStayInside(Path dest, int seed) throws IOException {
        Path root = dest.toRealPath();
        try (Stream<Path> paths = Files.walk(dest)) {
            for (Path path : paths.filter(Files::isSymbolicLink).toList()) {
                if (Files.exists(path)) {
                    assertThat(path.toRealPath()).as("seed %d: %s", seed, path).startsWith(root);
                }
            }
        }
    }
}
