package dev.npcnix.health;

import dev.npcnix.local.Subprocess;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A command ({@code /bin/sh -c CMD}, the daemon's environment) exits 0 within its timeout. It runs in a
 * process group of its own and is killed with the whole group at the deadline, so a check that forks
 * a daemon leaves nothing behind. Its output goes to the log.
 */
final class CommandCheck implements Check {
    private static final Logger output = LoggerFactory.getLogger("health-command");

    private final String command;
    private final Duration timeout;
    private final Map<String, String> environment;

    CommandCheck(String command, Duration timeout, Map<String, String> environment) {
        this.command = command;
        this.timeout = timeout;
        this.environment = Map.copyOf(environment);
    }

    @Override
    public String name() {
        return "command " + command;
    }

    @Override
    public CheckResult run(Clock clock) {
        Subprocess.Result r;
        try {
            r = Subprocess.run(List.of("/bin/sh", "-c", command), environment, Optional.of(timeout), true,
                    line -> output.info("{}", line));
        } catch (IOException e) {
            return new CheckResult(name(), false, "cannot run: " + e.getMessage(), clock.instant());
        }
        if (r.timedOut()) {
            return new CheckResult(name(), false, "timed out after " + timeout.toMillis() / 1000.0 + " s and was killed" + r.tail(),
                    clock.instant());
        }
        return new CheckResult(name(), r.exitCode() == 0, "exit " + r.exitCode() + r.tail(), clock.instant());
    }
}
