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
    final Map<String, String> env = new HashMap<>();
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
        CliContext ctx = new CliContext(env, clock, new SplittableRandom(3), new PrintWriter(out, true),
                new PrintWriter(err, true), false, s -> { }, exitNowCalls::add, Optional.of(sleeper));
        int code = Cli.run(ctx, args);
        return new Result(code, out.toString(), err.toString());
    }
}
