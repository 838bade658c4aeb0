package dev.npcnix.cli;

import dev.npcnix.daemon.Signals;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import java.util.SplittableRandom;

/** The composition root of the {@code npcnix} executable: the real environment, clock and streams. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        CliContext ctx = new CliContext(
                System.getenv(),
                Clock.systemUTC(),
                // Not RandomGenerator.getDefault(): its service lookup opens every jar (~70 ms a start).
                new SplittableRandom(),
                out,
                err,
                System.console() != null,
                Signals::install,
                System::exit,
                Optional.empty());
        System.exit(Cli.run(ctx, args));
    }
}
