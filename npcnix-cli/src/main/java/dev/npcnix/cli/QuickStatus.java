package dev.npcnix.cli;

import dev.npcnix.state.DataDir;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code npcnix [--data-dir DIR] status [--json]} without picocli. Operators type it on a host to ask
 * whether it is in sync, and picocli's first use costs more than the command itself: some 500 classes
 * and a model built by reflection, ~100 ms of a ~300 ms run ({@code docs/performance.md}). Only these
 * command lines take this path; any other (another option, {@code --help}, a typo, {@code --data-dir=DIR})
 * goes through picocli, which owns the command line. The work and the output are
 * {@link StatusCommand#show}'s on both paths, and so are the error line and exit code of a failure
 * ({@code StatusTest} runs both). Logging stays as the executable's provider sets it up, WARN to
 * stderr, which is also what {@link Cli} configures for {@code status}.
 */
final class QuickStatus {
    /** A command line this class runs: the data dir named by {@code --data-dir} (null when not), and {@code --json}. */
    record Request(Path dataDir, boolean json) {
    }

    private QuickStatus() {
    }

    /** The request these arguments make, or empty when they are for picocli. */
    static Optional<Request> parse(String... args) {
        int i = 0;
        Path dir = null;
        if (args.length >= 2 && args[0].equals(DataDirOption.NAME)) {
            if (args[1].startsWith("-") || args[1].startsWith("@") || args[1].indexOf('\0') >= 0) {
                return Optional.empty(); // picocli says what is wrong with it, or reads the @argument file
            }
            dir = Path.of(args[1]);
            i = 2;
        }
        if (i == args.length || !args[i].equals("status")) {
            return Optional.empty();
        }
        i++;
        boolean json = i < args.length && args[i].equals("--json");
        if (json) {
            i++;
        }
        return i == args.length ? Optional.of(new Request(dir, json)) : Optional.empty();
    }

    static int run(CliContext ctx, Request request) {
        try {
            return StatusCommand.show(ctx, DataDir.existing(ctx.dataDirPath(request.dataDir())), request.json());
        } catch (Exception e) {
            return ExitCodes.report(e, ctx.err(), false);
        } finally {
            ctx.out().flush();
            ctx.err().flush();
        }
    }
}
