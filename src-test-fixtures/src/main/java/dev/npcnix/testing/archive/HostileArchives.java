package dev.npcnix.testing.archive;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Supplier;

/**
 * A corpus of {@code .npcnix} archives that an unpack must refuse, each with the fragment its error
 * message must contain. Written once, run through every path that unpacks: the archive API, the CLI
 * {@code pull}, the daemon's poll. All fail under the default unpack limits, and quickly.
 *
 * <p>Escaping entries aim at {@code ../x} (a sibling in the destination's parent) and
 * {@code ../../sentinel/x} (a directory next to that parent): a test keeps a sentinel there and checks
 * that both stay untouched.
 */
public final class HostileArchives {
    /** Default {@code UnpackLimits.maxEntries}: the entry-count bomb goes one past it. */
    public static final int DEFAULT_MAX_ENTRIES = 200_000;

    private HostileArchives() {
    }

    /**
     * One hostile archive.
     *
     * @param name short identifier, usable as a test display name
     * @param expectedMessage a fragment of the one-line error the unpack must give
     * @param bytes the archive bytes (built on first use, then kept)
     */
    public record HostileCase(String name, String expectedMessage, Supplier<byte[]> bytes) {
        public HostileCase {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(expectedMessage, "expectedMessage");
            bytes = memoize(bytes);
        }

        public InputStream open() {
            return new ByteArrayInputStream(bytes.get());
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Every case; the same instances each time, so each archive is built once per JVM. */
    public static List<HostileCase> all() {
        return Corpus.ALL;
    }

    /** Built on first use: the bombs take a second to compress. */
    private static final class Corpus {
        static final List<HostileCase> ALL = build();
    }

    private static List<HostileCase> build() {
        List<HostileCase> cases = new ArrayList<>();
        cases.addAll(paths());
        cases.addAll(links());
        cases.addAll(specialFiles());
        cases.addAll(duplicates());
        cases.addAll(bombs());
        cases.addAll(brokenStreams());
        return List.copyOf(cases);
    }

    public static HostileCase byName(String name) {
        return all().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no hostile archive named " + name));
    }

    static List<HostileCase> paths() {
        String longPath = ("p".repeat(99) + "/").repeat(11) + "flake.nix"; // 1109 bytes
        return List.of(
                tar("dotdot", "path with a \"..\" component",
                        () -> flake().file("../x", "escaped")),
                tar("dotdot-deep", "path with a \"..\" component",
                        () -> flake().file("sub/../../../sentinel/x", "escaped")),
                tar("absolute-path", "absolute path",
                        () -> flake().file("/tmp/npcnix-hostile-absolute", "escaped")),
                tar("empty-name", "empty name",
                        () -> flake().rawFile(new byte[0], bytes("x"), 0644)),
                tar("nul-in-name", "NUL in name",
                        () -> flake().gnuLongName(bytes("a\0b")).file("a", "x")),
                tar("non-utf8-name", "not valid UTF-8",
                        () -> flake().rawFile(new byte[] {'c', 'a', 'f', (byte) 0xe9}, bytes("x"), 0644)),
                tar("overlong-utf8-name", "not valid UTF-8",
                        () -> flake().rawFile(new byte[] {'a', (byte) 0xc0, (byte) 0xaf, 'b'}, bytes("x"), 0644)),
                tar("pax-path-dotdot", "path with a \"..\" component",
                        () -> flake().pax(Map.of("path", "../x")).file("harmless", "escaped")),
                tar("gnu-longname-absolute", "absolute path",
                        () -> flake().gnuLongName(bytes("/tmp/npcnix-hostile-longname")).file("harmless", "x")),
                tar("path-too-long", "path longer than 1024 bytes",
                        () -> flake().file(longPath, "x")),
                tar("component-too-long", "longer than 255 bytes",
                        () -> flake().file("d/" + "c".repeat(300), "x")));
    }

    static List<HostileCase> links() {
        return List.of(
                tar("symlink-absolute", "is absolute",
                        () -> flake().symlink("etc", "/etc")),
                tar("symlink-escaping", "points outside the destination",
                        () -> flake().symlink("out", "../../sentinel")),
                tar("symlink-then-file-beneath", "parent link is a symlink",
                        () -> flake().dir("sub").symlink("link", "sub").file("link/evil", "x")),
                tar("absolute-symlink-then-file-beneath", "is absolute",
                        () -> flake().symlink("link", "/tmp").file("link/npcnix-hostile-evil", "x")),
                tar("symlink-chain-escaping", "leads outside the destination through other symlinks",
                        () -> flake().dir("a").symlink("a/up", "..").symlink("x", "a/up/../../sentinel")),
                tar("symlink-chain-escaping-reversed", "leads outside the destination through other symlinks",
                        () -> flake().symlink("x", "a/up/../../sentinel").dir("a").symlink("a/up", "..")),
                tar("symlink-loop", "symlink loop",
                        () -> flake().symlink("a", "b").symlink("b", "a")),
                tar("hardlink-outside", "is not a regular file extracted earlier",
                        () -> flake().hardlink("h", "../../sentinel/x")),
                tar("hardlink-absolute", "is not a regular file extracted earlier",
                        () -> flake().hardlink("passwd", "/etc/passwd")),
                tar("hardlink-to-symlink", "is not a regular file extracted earlier",
                        () -> flake().symlink("l", "flake.nix").hardlink("h", "l")),
                tar("hardlink-to-directory", "is not a regular file extracted earlier",
                        () -> flake().dir("d").hardlink("h", "d")),
                tar("hardlink-forward", "is not a regular file extracted earlier",
                        () -> flake().hardlink("h", "later").file("later", "x")));
    }

    static List<HostileCase> specialFiles() {
        return List.of(
                tar("fifo", "fifo not allowed", () -> flake().fifo("pipe")),
                tar("char-device", "character device not allowed", () -> flake().charDevice("null", 1, 3)),
                tar("block-device", "block device not allowed", () -> flake().blockDevice("sda", 8, 0)),
                tar("gnu-sparse", "unsupported entry type 'S'",
                        () -> flake().entry("sparse", (byte) 'S', 0644, new byte[0], "")),
                tar("symlink-with-data", "bytes of data",
                        () -> flake().entry("l", (byte) '2', 0777, bytes("data"), "flake.nix")));
    }

    static List<HostileCase> duplicates() {
        return List.of(
                tar("duplicate-file", "duplicate entry", () -> flake().file("a", "1").file("a", "2")),
                tar("duplicate-flake-nix", "duplicate entry", () -> flake().file("flake.nix", "{ evil }")),
                tar("dir-then-file", "duplicate entry (already a directory)", () -> flake().dir("a").file("a", "x")),
                tar("implicit-dir-then-file", "duplicate entry (already a directory)",
                        () -> flake().file("a/b", "x").file("a", "x")),
                tar("file-then-dir", "duplicate entry", () -> flake().file("a", "x").dir("a")),
                tar("duplicate-dir", "duplicate entry", () -> flake().dir("a").dir("a")),
                tar("file-then-symlink", "duplicate entry", () -> flake().file("a", "x").symlink("a", "flake.nix")),
                tar("file-as-parent", "parent a is not a directory", () -> flake().file("a", "x").file("a/b", "y")));
    }

    static List<HostileCase> bombs() {
        return List.of(
                tar("zstd-bomb", "zip bomb?", () -> flake().zeros("zeros", 1L << 30)),
                tar("zstd-bomb-many-files", "zip bomb?", () -> {
                    TarBuilder tar = flake();
                    for (int i = 0; i < 64; i++) {
                        tar.zeros("zeros-" + i, 1L << 24);
                    }
                    return tar;
                }),
                new HostileCase("entry-count-bomb", "more than " + DEFAULT_MAX_ENTRIES + " entries",
                        HostileArchives::entryCountBomb));
    }

    static List<HostileCase> brokenStreams() {
        return List.of(
                new HostileCase("empty", "archive: empty", () -> new byte[0]),
                new HostileCase("garbage", "not zstd-compressed",
                        () -> bytes("this is not an archive, just some text\n".repeat(20))),
                new HostileCase("gzip-not-zstd", "not zstd-compressed",
                        () -> new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
                new HostileCase("zstd-magic-then-garbage", "corrupt or truncated stream", () -> {
                    byte[] garbage = bytes("x".repeat(100));
                    garbage[0] = 0x28;
                    garbage[1] = (byte) 0xb5;
                    garbage[2] = 0x2f;
                    garbage[3] = (byte) 0xfd;
                    return garbage;
                }),
                new HostileCase("truncated-early", "corrupt or truncated stream", () -> cut(sample(), 0.1)),
                new HostileCase("truncated-middle", "corrupt or truncated stream", () -> cut(sample(), 0.5)),
                new HostileCase("truncated-last-byte", "corrupt or truncated stream", () -> cut(sample(), -1)),
                new HostileCase("bad-frame-checksum", "corrupt or truncated stream", () -> {
                    byte[] bytes = sample();
                    bytes[bytes.length - 1] ^= 0x55;
                    return bytes;
                }),
                new HostileCase("trailing-garbage", "corrupt or truncated stream", () -> {
                    byte[] bytes = sample();
                    byte[] longer = Arrays.copyOf(bytes, bytes.length + 16);
                    Arrays.fill(longer, bytes.length, longer.length, (byte) 'g');
                    return longer;
                }),
                tar("tar-cut-mid-entry", "corrupt or truncated stream", () -> {
                    byte[] full = flake().file("big", "y".repeat(5000)).withoutEndMarker().tarBytes();
                    return TarBuilder.tar().raw(Arrays.copyOf(full, full.length - 3000)).withoutEndMarker();
                }),
                tar("tar-cut-mid-header", "corrupt or truncated stream", () -> {
                    byte[] full = flake().file("next", "y").withoutEndMarker().tarBytes();
                    return TarBuilder.tar().raw(Arrays.copyOf(full, full.length - 1024 + 100)).withoutEndMarker();
                }),
                tar("tar-without-end-marker", "end-of-archive marker", () -> flake().withoutEndMarker()),
                tar("tar-bad-checksum", "bad header checksum", () -> flake().badChecksum("x", "y")),
                tar("data-after-end-marker", "data after the end-of-archive marker", () -> {
                    byte[] after = flake().file("ignored", "x").withoutEndMarker().tarBytes();
                    return flake().raw(new byte[1024]).raw(after).withoutEndMarker();
                }),
                tar("pax-header-without-entry", "corrupt or truncated stream",
                        () -> flake().pax(Map.of("path", "x")).withoutEndMarker()),
                tar("malformed-pax-header", "malformed PAX header",
                        () -> flake().entry("PaxHeaders/f", (byte) 'x', 0644, bytes("99 path=x\n"), "").file("f", "x")));
    }

    /** A valid archive of a small flake, for cutting up. */
    private static byte[] sample() {
        TarBuilder tar = flake();
        for (int i = 0; i < 40; i++) {
            tar.file("hosts/host-" + i + ".nix", "{ networking.hostName = \"host-" + i + "\"; }\n".repeat(50));
        }
        return tar.zstd();
    }

    /**
     * 200,001 entries, all "./" so that the unpack creates nothing while it counts; random mtimes keep
     * the headers from compressing so well that the ratio limit would trip first.
     */
    private static byte[] entryCountBomb() {
        TarBuilder tar = TarBuilder.tar();
        Random random = new Random(42);
        for (int i = 0; i <= DEFAULT_MAX_ENTRIES; i++) {
            tar.mtime(random.nextInt(Integer.MAX_VALUE)).dir("./");
        }
        return tar.zstd();
    }

    private static byte[] cut(byte[] bytes, double fraction) {
        int length = fraction < 0 ? bytes.length - 1 : (int) (bytes.length * fraction);
        return Arrays.copyOf(bytes, length);
    }

    private static TarBuilder flake() {
        return TarBuilder.tar().file("flake.nix", "{ outputs = _: { }; }\n");
    }

    private static HostileCase tar(String name, String expectedMessage, Supplier<TarBuilder> builder) {
        return new HostileCase(name, expectedMessage, () -> builder.get().zstd());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Supplier<byte[]> memoize(Supplier<byte[]> supplier) {
        Objects.requireNonNull(supplier, "bytes");
        return new Supplier<>() {
            private byte[] value;

            @Override
            public synchronized byte[] get() {
                if (value == null) {
                    value = supplier.get();
                }
                return value.clone();
            }
        };
    }
}
