package dev.npcnix.cli;

import dev.npcnix.InvalidInputException;
import dev.npcnix.NpcnixException;
import dev.npcnix.StateException;
import java.io.PrintWriter;
import picocli.CommandLine;

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
        Throwable cause = e;
        if (cause instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        PrintWriter err = cmd.getErr();
        int code = of(cause);
        String message = cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage();
        if (code == INTERNAL) {
            message = "internal error: " + cause + " (rerun with --verbose for details)";
        }
        err.println("npcnix: " + message.replace('\n', ' '));
        if (root.verbose()) {
            cause.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        Throwable cause = e.getCause();
        if (cause instanceof InvalidInputException iie) {
            err.println("npcnix: " + iie.getMessage());
        } else {
            err.println("npcnix: " + e.getMessage());
        }
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        }
        err.flush();
        return INVALID_INPUT;
    }
}
