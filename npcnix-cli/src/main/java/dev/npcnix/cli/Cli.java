package dev.npcnix.cli;

import ch.qos.logback.classic.Level;
import dev.npcnix.daemon.LogSetup;
import java.util.Set;
import picocli.CommandLine;

/** Runs one command line against a {@link CliContext}; used by {@link Main} and by the tests. */
public final class Cli {
    /** Commands whose normal work is worth INFO logs (they activate, or run for long). */
    private static final Set<String> CHATTY = Set.of("follow", "bootstrap", "install", "activate");

    private Cli() {
    }

    /** Parses and runs {@code args}; returns the exit code. */
    public static int run(CliContext ctx, String... args) {
        NpcnixCommand root = new NpcnixCommand(ctx);
        CommandLine cl = new CommandLine(root);
        cl.setOut(ctx.out());
        cl.setErr(ctx.err());
        ExitCodes codes = new ExitCodes(root);
        cl.setExecutionExceptionHandler(codes);
        cl.setParameterExceptionHandler(codes);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionStrategy(parsed -> {
            configureLogging(ctx, root, parsed);
            return new CommandLine.RunLast().execute(parsed);
        });
        try {
            return cl.execute(args);
        } finally {
            ctx.out().flush();
            ctx.err().flush();
        }
    }

    static CommandLine commandLine(CliContext ctx) {
        return new CommandLine(new NpcnixCommand(ctx));
    }

    private static void configureLogging(CliContext ctx, NpcnixCommand root, CommandLine.ParseResult parsed) {
        CommandLine.ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        String name = leaf.commandSpec().name();
        Level level = root.verbose() ? Level.DEBUG : CHATTY.contains(name) ? Level.INFO : Level.WARN;
        LogSetup.configure(ctx.env(), level);
    }
}
