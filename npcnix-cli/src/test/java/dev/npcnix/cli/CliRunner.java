package dev.npcnix.cli;

import dev.npcnix.follow.Sleeper;
import dev.npcnix.testing.TestClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/** Runs real argument lists through the real picocli tree with a test clock, environment and captured output. */
final class CliRunner {
    final TestClock clock = TestClock.at("2026-03-01T12:00:00Z");
    /** No EC2 metadata service (a closed port answers at once): hosts report under their host name. */
    final Map<String, String> env = new HashMap<>(Map.of("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"));
    final List<Integer> exitNowCalls = new ArrayList<>();
    Sleeper sleeper = d -> clock.advance(d);

    record Result(int code, String out, String err) {
    }

    CliRunner env(Map<String, String> more) {
        env.putAll(more);
        return this;
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(context(new PrintWriter(out, true), new PrintWriter(err, true)), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** As {@link #run}, always through picocli (never {@link QuickStatus}). */
    Result runParsed(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.runParsed(context(new PrintWriter(out, true), new PrintWriter(err, true)), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** A context as {@link #run} gives commands, writing nowhere (for building the command tree). */
    CliContext context() {
        return context(new PrintWriter(java.io.Writer.nullWriter()), new PrintWriter(java.io.Writer.nullWriter()));
    }

    private CliContext context(PrintWriter out, PrintWriter err) {
        return new CliContext(env, clock, new SplittableRandom(3), out, err, false, s -> { }, exitNowCalls::add, Optional.of(sleeper));
    }
}
