package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.state.Settings;
import dev.npcnix.store.Etag;
import dev.npcnix.testing.LogCapture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Reads a host's data dir the way npcnix does, and other small helpers of the reliability tests. */
final class HostFiles {
    private static final Pattern ETAG = Pattern.compile("(?m)^\\s*etag\\s+(\\S+)");

    private HostFiles() {
    }

    /** config.json, parsed (fails the test when it does not parse). */
    static Settings settings(Path data) {
        return DataDir.existing(data).loadSettings();
    }

    /** The ETag config.json says is applied; empty when none. */
    static String appliedEtag(Path data) {
        return settings(data).lastEtag().map(Etag::value).orElse("");
    }

    /** state.json, parsed (fails the test when it does not parse). */
    static HostState state(Path data) {
        return DataDir.existing(data).loadState();
    }

    /** The ETag {@code publish} printed. */
    static String publishedEtag(CliRunner.Result publish) {
        assertThat(publish.code()).as(publish.err()).isZero();
        Matcher m = ETAG.matcher(publish.out());
        assertThat(m.find()).as("etag in: %s", publish.out()).isTrue();
        return m.group(1);
    }

    /** Names directly in {@code dir}, sorted; empty when it does not exist. */
    static List<String> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The size of this JVM's captured log now: pass it to {@link #logSince(long)}. */
    static long logMark() {
        return LogCapture.mark();
    }

    /** What this JVM logged since {@code mark}. */
    static String logSince(long mark) {
        return LogCapture.since(mark);
    }

    /** Prints a figure line to stdout (surefire keeps it in the class's {@code -output.txt}). */
    static void figure(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
