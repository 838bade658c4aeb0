package dev.npcnix.cli;

import dev.npcnix.daemon.Shutdown;
import dev.npcnix.state.DataDir;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.random.RandomGenerator;

/**
 * Everything a command takes from the outside world, built once by {@link Main} (or by a test):
 * the environment, time, randomness, the output streams and how the daemon learns about signals.
 *
 * @param env the process environment (data dir, AWS settings, {@code NPCNIX_NIXOS_REBUILD})
 * @param interactive stderr is a terminal: progress bars allowed
 * @param signals installs the SIGTERM/SIGINT handlers for a daemon run (a no-op in tests)
 * @param exitNow ends the process at once (a second SIGTERM); tests record instead
 * @param sleeper overrides how the daemon and bootstrap wait (tests); empty: real sleeping, woken by signals
 */
public record CliContext(
        Map<String, String> env,
        Clock clock,
        RandomGenerator random,
        PrintWriter out,
        PrintWriter err,
        boolean interactive,
        Consumer<Shutdown> signals,
        IntConsumer exitNow,
        Optional<dev.npcnix.follow.Sleeper> sleeper) {

    /** The environment variable that names the data dir. */
    static final String DATA_DIR_ENV = "NPCNIX_DATA_DIR";

    public CliContext {
        env = Map.copyOf(env);
    }

    /** {@code --data-dir} (null when not given), else {@code NPCNIX_DATA_DIR}, else {@code /var/lib/npcnix}. */
    Path dataDirPath(Path option) {
        if (option != null) {
            return option;
        }
        String named = env.get(DATA_DIR_ENV);
        return named == null || named.isBlank() ? DataDir.DEFAULT : Path.of(named);
    }
}
