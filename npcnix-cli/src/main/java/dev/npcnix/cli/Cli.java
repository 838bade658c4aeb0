package dev.npcnix.cli;

import ch.qos.logback.classic.Level;
import dev.npcnix.daemon.LogSetup;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Runs one command line against a {@link CliContext}; used by {@link Main} and by the tests. */
public final class Cli {
    /** Commands whose normal work is worth INFO logs (they activate, or run for long). */
    private static final Set<String> CHATTY = Set.of("follow", "bootstrap", "install", "activate");

    private Cli() {
    }

    /** Parses and runs {@code args}; returns the exit code. */
    public static int run(CliContext ctx, String... args) {
        Optional<QuickStatus.Request> status = QuickStatus.parse(args);
        if (status.isPresent()) {
            return QuickStatus.run(ctx, status.get());
        }
        return runParsed(ctx, args);
    }

    /** Every command line through picocli (the tests compare it with {@link QuickStatus}). */
    static int runParsed(CliContext ctx, String... args) {
        NpcnixCommand root = new NpcnixCommand(ctx);
        CommandLine cl = new CommandLine(root);
        Optional<Class<?>> named = namedSubcommand(args);
        if (named.isPresent()) {
            cl.addSubcommand(new CommandLine(named.get()));
        } else if (!versionOnly(args)) {
            addAllSubcommands(cl);
        }
        HelpLayout.install(cl);
        cl.setOut(ctx.out());
        cl.setErr(ctx.err());
        ExitCodes codes = new ExitCodes(root);
        cl.setExecutionExceptionHandler(codes);
        cl.setParameterExceptionHandler(codes);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionStrategy(new Execution(ctx, root));
        try {
            return cl.execute(args);
        } finally {
            ctx.out().flush();
            ctx.err().flush();
        }
    }

    /**
     * Checks the data-dir use and configures logging, then runs the command. A class, not a lambda:
     * see HelpLayout's Factory (a lambda for picocli's interface kept it out of the class-data archive).
     */
    private record Execution(CliContext ctx, NpcnixCommand root) implements CommandLine.IExecutionStrategy {
        @Override
        public int execute(CommandLine.ParseResult parsed) {
            requireHostCommandForDataDir(parsed);
            configureLogging(ctx, root, parsed);
            return new CommandLine.RunLast().execute(parsed);
        }
    }

    static CommandLine commandLine(CliContext ctx) {
        CommandLine cl = new CommandLine(new NpcnixCommand(ctx));
        addAllSubcommands(cl);
        HelpLayout.install(cl);
        return cl;
    }

    private static void addAllSubcommands(CommandLine cl) {
        for (Class<?> c : NpcnixCommand.SUBCOMMANDS) {
            cl.addSubcommand(new CommandLine(c));
        }
    }

    /**
     * The subcommand the arguments name, found as picocli will: the first argument that is not one of
     * the root's options (or the value of {@code --data-dir}). Empty when there is none, when it is
     * {@code help} or unknown, or after {@code --}: then every subcommand is added, for usage and errors.
     */
    static Optional<Class<?>> namedSubcommand(String... args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--data-dir")) {
                i++;
            } else if (a.equals("--")) {
                return Optional.empty();
            } else if (!a.startsWith("-")) {
                for (Class<?> c : NpcnixCommand.SUBCOMMANDS) {
                    Command command = c.getAnnotation(Command.class);
                    if (!command.name().equals("help")
                            && (command.name().equals(a) || Arrays.asList(command.aliases()).contains(a))) {
                        return Optional.of(c);
                    }
                }
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * Whether the arguments only ask for the version ({@code -V}/{@code --version} among root options,
     * no help, no subcommand): then no subcommand needs building.
     */
    static boolean versionOnly(String... args) {
        boolean version = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-V", "--version" -> version = true;
                case "--data-dir" -> i++;
                case "-v", "--verbose" -> { }
                default -> {
                    if (!args[i].startsWith("--data-dir=")) {
                        return false; // help, a subcommand, an unknown option: picocli needs the whole tree
                    }
                }
            }
        }
        return version;
    }

    /**
     * {@code npcnix --data-dir D pack …}: the root accepts {@code --data-dir} before any command name (as
     * the Rust npcnix does), but a command without a data dir would silently ignore it.
     */
    private static void requireHostCommandForDataDir(CommandLine.ParseResult parsed) {
        if (!parsed.hasMatchedOption(DataDirOption.NAME) || !parsed.hasSubcommand()) {
            return;
        }
        CommandLine.ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        if (leaf.isUsageHelpRequested() || leaf.isVersionHelpRequested()
                || leaf.commandSpec().userObject() instanceof CommandLine.HelpCommand
                || leaf.commandSpec().findOption(DataDirOption.NAME) != null) {
            return;
        }
        throw new CommandLine.ParameterException(leaf.commandSpec().commandLine(),
                DataDirOption.NAME + ": " + leaf.commandSpec().name() + " does not use a data dir (host commands do)");
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
