package dev.npcnix.activate;

import dev.npcnix.local.Subprocess;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code nixos-rebuild} as a child process ({@link Subprocess}): its output goes to the log as it
 * comes, stdout at INFO and stderr at WARN (Nix writes its errors there), so {@code journalctl -p warning}
 * shows what went wrong; the last lines are kept for the error, and at the timeout its whole tree is
 * killed. A rebuild killed by a signal is an interruption ({@link ActivationException#interrupted}), not a
 * failure of the release.
 */
final class NixosRebuildActivator implements Activator {
    private static final Logger log = LoggerFactory.getLogger(NixosRebuildActivator.class);
    private static final Logger output = LoggerFactory.getLogger("nixos-rebuild");

    private final Map<String, String> environment;
    private final Optional<Duration> timeout;

    NixosRebuildActivator(Map<String, String> environment, Optional<Duration> timeout) {
        this.environment = Map.copyOf(environment);
        this.timeout = timeout;
    }

    @Override
    public void activate(ActivationRequest request) {
        String exe = Activators.executable(environment).orElseThrow(() -> new ActivationException(
                "nixos-rebuild: not found on PATH (set " + Activators.NIXOS_REBUILD_ENV + " to its path)",
                -1, List.of(), true, null));
        List<String> command = new ArrayList<>();
        command.add(exe);
        command.addAll(request.arguments());
        log.info("activating {} with: {}", request.configuration(), String.join(" ", command));

        Subprocess.Result r;
        try {
            // Interrupted means the process is being torn down: leave the rebuild to systemd's cgroup handling.
            r = Subprocess.run(command, environment, Optional.of(request.flakeDir()), timeout, false, false,
                    line -> output.info("{}", line), line -> output.warn("{}", line));
        } catch (InterruptedIOException e) {
            throw ActivationException.interrupted("nixos-rebuild: interrupted while running", -1, List.of(), e);
        } catch (IOException e) {
            throw new ActivationException("nixos-rebuild " + exe + ": cannot start: " + e.getMessage(), -1, List.of(), true, e);
        }
        if (r.timedOut()) {
            throw new ActivationException("nixos-rebuild timed out after " + timeout.get() + " and was killed" + r.tail(), -1,
                    r.lastLines(), false, null);
        }
        if (r.exitCode() != 0) {
            OptionalInt signal = ActivationException.signalOf(r.exitCode());
            if (signal.isPresent()) {
                throw ActivationException.killedBy(signal.getAsInt(), "nixos-rebuild exited " + r.exitCode() + " (killed by "
                        + signalName(signal.getAsInt()) + ")" + r.tail(), r.exitCode(), r.lastLines());
            }
            throw new ActivationException("nixos-rebuild exited " + r.exitCode() + r.tail(), r.exitCode(), r.lastLines(), false, null);
        }
        log.info("activated {}", request.configuration());
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 9 -> "SIGKILL";
            case 15 -> "SIGTERM";
            default -> "signal " + signal;
        };
    }
}
