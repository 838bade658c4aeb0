package dev.npcnix.cli;

import dev.npcnix.InvalidInputException;
import dev.npcnix.NpcnixException;
import dev.npcnix.StateException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The documented exit codes, and the one place that maps a failure to one: 0 ok, 1 runtime failure
 * (store, activation), 2 invalid input, 3 unexpected state (not bootstrapped, lock held with
 * {@code --no-wait}), 4 internal error. Errors print as one line {@code npcnix: <what>: <why>}; the stack
 * trace only with {@code --verbose}.
 */
final class ExitCodes implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    static final int OK = 0;
    static final int FAILURE = 1;
    static final int INVALID_INPUT = 2;
    static final int UNEXPECTED_STATE = 3;
    static final int INTERNAL = 4;

    private final NpcnixCommand root;

    ExitCodes(NpcnixCommand root) {
        this.root = root;
    }

    static int of(Throwable e) {
        if (e instanceof InvalidInputException || e instanceof IllegalArgumentException) {
            return INVALID_INPUT;
        }
        if (e instanceof StateException) {
            return UNEXPECTED_STATE;
        }
        if (e instanceof NpcnixException || e instanceof java.io.UncheckedIOException || e instanceof java.io.IOException) {
            return FAILURE;
        }
        return INTERNAL;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
        return report(e, cmd.getErr(), root.verbose());
    }

    /** Prints a command's failure as one line (with its stack trace when verbose); returns its exit code. */
    static int report(Throwable cause, PrintWriter err, boolean verbose) {
        if (cause instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        int code = of(cause);
        String message = cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage();
        if (code == INTERNAL) {
            message = "internal error: " + cause + " (rerun with --verbose for details)";
        }
        err.println("npcnix: " + message.replace('\n', ' '));
        if (verbose) {
            cause.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /**
     * Bad command lines, named as a user would: {@code unknown option --source} (picocli reports a
     * missing required option first when a misspelt one left it unset), {@code unknown command
     * 'statsu'} (instead of "Unmatched argument at index 0"), with picocli's suggestions kept.
     */
    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        CommandLine.ParameterException shown = e;
        if (e instanceof CommandLine.MissingParameterException) {
            Optional<String> unknown = unknownOption(cmd, args);
            if (unknown.isPresent()) {
                shown = new CommandLine.UnmatchedArgumentException(cmd, List.of(unknown.get()));
            }
        }
        err.println("npcnix: " + message(shown));
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(shown, err)) {
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        }
        err.flush();
        return INVALID_INPUT;
    }

    private static String message(CommandLine.ParameterException e) {
        if (e.getCause() instanceof InvalidInputException iie) {
            return iie.getMessage();
        }
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String first = u.getUnmatched().get(0);
            CommandSpec spec = u.getCommandLine().getCommandSpec();
            if (first.startsWith("-") && first.length() > 1) {
                return "unknown option " + first.split("=", 2)[0];
            }
            if (!spec.subcommands().isEmpty() && spec.positionalParameters().isEmpty()) {
                return "unknown command '" + first + "'";
            }
            return "unexpected argument '" + first + "'";
        }
        return e.getMessage();
    }

    /** The first option-like argument that neither the command nor the commands above it know. */
    private static Optional<String> unknownOption(CommandLine cmd, String[] args) {
        for (String arg : args) {
            if (arg.equals("--")) {
                break;
            }
            if (!arg.startsWith("-") || arg.length() < 2 || Character.isDigit(arg.charAt(1))) {
                continue;
            }
            String name = arg.split("=", 2)[0];
            boolean known = arg.startsWith("--") || name.length() == 2 ? knows(cmd, name)
                    : name.substring(1).chars().allMatch(c -> knows(cmd, "-" + (char) c)); // clustered: -vV
            if (!known) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    private static boolean knows(CommandLine cmd, String option) {
        for (CommandLine c = cmd; c != null; c = c.getParent()) {
            if (c.getCommandSpec().findOption(option) != null) {
                return true;
            }
        }
        return false;
    }
}
