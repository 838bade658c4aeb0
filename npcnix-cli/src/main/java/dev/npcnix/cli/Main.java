package dev.npcnix.cli;

import dev.npcnix.daemon.LogProvider;
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
        startQuickly();
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

    /**
     * Start-up shortcuts, each a lookup that would miss and so open every jar on the class path
     * (docs/performance.md): picocli's search for Groovy closures, SLF4J's search for providers and
     * Logback's for configurators. A {@code -Dslf4j.provider} given in NPCNIX_JAVA_OPTS still wins, and
     * with a {@code -Dlogback.configurationFile} Logback initialises itself as it did before.
     */
    private static void startQuickly() {
        System.setProperty("picocli.disable.closures", "true");
        if (System.getProperty("logback.configurationFile") == null && System.getProperty(LogProvider.PROPERTY) == null) {
            System.setProperty(LogProvider.PROPERTY, LogProvider.class.getName());
            System.setProperty("slf4j.internal.verbosity", "WARN"); // not a line saying that it found the provider named
        }
    }
}
