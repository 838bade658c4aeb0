package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Progress bars on a terminal (MiB, throughput, time left), none elsewhere, and sizes for people in the summaries. */
class ProgressBarTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();

    @Test
    void aBarShowsMibDoneOfTheTotalTheThroughputAndTheTimeLeftAndEndsAtTheTotal() {
        StringWriter drawn = new StringWriter();
        Progress progress = new Progress(new PrintWriter(drawn), "pull", Duration.ZERO);
        progress.transferred(0, 10 * MIB);
        progress.transferred(4 * MIB, 10 * MIB);
        progress.transferred(10 * MIB, 10 * MIB); // the total: the bar ends by itself
        String last = drawn.toString().substring(drawn.toString().lastIndexOf('\r') + 1);

        assertThat(last).startsWith("pull 100%").contains("10/10 MiB", "MiB/s").containsPattern("\\(\\d+:\\d\\d:\\d\\d / 0:00:00\\)");
        assertThat(drawn.toString()).endsWith(System.lineSeparator());
        int before = drawn.toString().length();
        progress.transferred(10 * MIB, 10 * MIB);
        progress.close();
        assertThat(drawn.toString()).hasSize(before);
    }

    @Test
    void noBarForAShortTransferNorWithoutATerminal() {
        StringWriter drawn = new StringWriter();
        Progress quick = new Progress(new PrintWriter(drawn), "pull", Duration.ofHours(1));
        quick.transferred(1, 10);
        quick.transferred(10, 10);
        quick.close();
        assertThat(drawn.toString()).isEmpty();

        Path flake = Fixtures.webFlake(tmp.resolve("flake"));
        String remote = tmp.resolve("store/prod.npcnix").toUri().toString();
        CliRunner.Result publish = cli.run("publish", "--src", flake.toString(), "--remote", remote);
        CliRunner.Result pull = cli.run("pull", "--remote", remote, "--dst", tmp.resolve("out").toString());
        assertThat(publish.err() + pull.err()).doesNotContain("MiB", "\r");
    }

    @Test
    void withoutATerminalAPackIsNotMeasuredFirst() {
        // NONE tells the packer that no bar needs the total: it does not walk the whole tree first.
        assertThat(new Progress(null, "pack", Duration.ZERO).packing()).isSameAs(dev.npcnix.archive.PackProgress.NONE);
        Progress drawing = new Progress(new PrintWriter(new StringWriter()), "pack", Duration.ZERO);
        assertThat(drawing.packing()).isSameAs(drawing);
    }

    @Test
    void summariesGiveSizesForPeople() throws Exception {
        Path flake = Fixtures.webFlake(tmp.resolve("flake"));
        Files.write(flake.resolve("hosts/blob.bin"), new java.util.Random(7).ints(3 * 1024 * 1024).collect(
                java.io.ByteArrayOutputStream::new, (o, i) -> o.write(i), (a, b) -> { }).toByteArray());
        String remote = tmp.resolve("store/prod.npcnix").toUri().toString();

        CliRunner.Result publish = cli.run("publish", "--src", flake.toString(), "--remote", remote);
        long size = Files.size(tmp.resolve("store/prod.npcnix"));
        assertThat(publish.out()).contains("  size    " + Sizes.human(size) + ", ").containsPattern("size    3\\.0 MiB, \\d+ entries");
        CliRunner.Result pull = cli.run("pull", "--remote", remote, "--dst", tmp.resolve("out").toString());
        assertThat(pull.out()).containsPattern("\\d+ entries, 3\\.0 MiB");
        CliRunner.Result pack = cli.run("pack", "--src", flake.toString(), "--dst", tmp.resolve("x.npcnix").toString());
        assertThat(pack.out()).contains(", 3.0 MiB, sha256 ");

        assertThat(Sizes.human(0)).isEqualTo("0 bytes");
        assertThat(Sizes.human(1)).isEqualTo("1 byte");
        assertThat(Sizes.human(1023)).isEqualTo("1023 bytes");
        assertThat(Sizes.human(1536)).isEqualTo("1.5 KiB");
        assertThat(Sizes.human(48 * MIB)).isEqualTo("48.0 MiB");
        assertThat(Sizes.human(5L << 30)).isEqualTo("5.0 GiB");
        assertThat(Sizes.human(1024 * 1024 - 1)).isEqualTo("1024.0 KiB");
    }

    @Test
    void sizesRoundAsTheFormatterDoes() {
        // Sizes formats by hand (the formatter's locale data cost a short command ~20 ms); it must agree
        // with String.format's "%.1f" everywhere, the halves included.
        java.util.SplittableRandom random = new java.util.SplittableRandom(16);
        java.util.List<Long> sizes = new java.util.ArrayList<>(java.util.List.of(1024L, 1075L, 1126L, 1177L, 1229L, 2047L, 2048L,
                10_291L, 1_048_524L, 1_048_575L, 1_048_576L, Long.MAX_VALUE));
        for (int i = 0; i < 100_000; i++) {
            sizes.add(1024 + random.nextLong(1L << (10 + random.nextInt(40))));
        }
        for (int tenth = 0; tenth < 10_240; tenth++) {
            sizes.add(1024L * tenth / 10 + 51); // around every x.x5 KiB
        }
        for (long size : sizes) {
            if (size < 1024) {
                continue;
            }
            double value = size;
            int unit = -1;
            while (value >= 1024 && unit < 3) {
                value /= 1024;
                unit++;
            }
            String expected = String.format(java.util.Locale.ROOT, "%.1f %s", value, new String[] {"KiB", "MiB", "GiB", "TiB"}[unit]);
            assertThat(Sizes.human(size)).as("%d bytes", size).isEqualTo(expected);
        }
    }
}
