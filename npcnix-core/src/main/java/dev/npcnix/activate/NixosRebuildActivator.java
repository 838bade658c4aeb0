package dev.npcnix.activate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code nixos-rebuild} as a child process. Its output goes to the log as it comes: stdout at INFO,
 * stderr at WARN (Nix writes its errors there), so {@code journalctl -p warning} shows what went wrong.
 * A rebuild killed by a signal is an interruption ({@link ActivationException#interrupted}), not a failure
 * of the release.
 */
final class NixosRebuildActivator implements Activator {
    private static final Logger log = LoggerFactory.getLogger(NixosRebuildActivator.class);
    private static final Logger output = LoggerFactory.getLogger("nixos-rebuild");
    private static final int KEPT_LINES = 20;

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

        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(request.flakeDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(environment);

        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new ActivationException("nixos-rebuild " + exe + ": cannot start: " + e.getMessage(), -1, List.of(), true, e);
        }
        Deque<String> last = new ArrayDeque<>();
        Thread reader = pump(process.getInputStream(), false, last, "nixos-rebuild-stdout");
        Thread errors = pump(process.getErrorStream(), true, last, "nixos-rebuild-stderr");
        boolean finished;
        try {
            finished = timeout.isPresent()
                    ? process.waitFor(timeout.get().toMillis(), TimeUnit.MILLISECONDS)
                    : waitForever(process);
        } catch (InterruptedException e) {
            // Interrupted means the process is being torn down: leave the rebuild to systemd's cgroup handling.
            Thread.currentThread().interrupt();
            throw ActivationException.interrupted("nixos-rebuild: interrupted while running", -1, snapshot(last), e);
        }
        if (!finished) {
            killTree(process);
            joinQuietly(reader);
            joinQuietly(errors);
            throw new ActivationException("nixos-rebuild timed out after " + timeout.get() + " and was killed"
                    + lastLinesSuffix(snapshot(last)), -1, snapshot(last), false, null);
        }
        joinQuietly(reader);
        joinQuietly(errors);
        int code = process.exitValue();
        if (code != 0) {
            List<String> lines = snapshot(last);
            OptionalInt signal = ActivationException.signalOf(code);
            if (signal.isPresent()) {
                throw ActivationException.interrupted("nixos-rebuild exited " + code + " (killed by " + signalName(signal.getAsInt())
                        + ")" + lastLinesSuffix(lines), code, lines, null);
            }
            throw new ActivationException("nixos-rebuild exited " + code + lastLinesSuffix(lines), code, lines, false, null);
        }
        log.info("activated {}", request.configuration());
    }

    private static boolean waitForever(Process process) throws InterruptedException {
        process.waitFor();
        return true;
    }

    /** Copies one of the child's streams to the log line by line, keeping the last lines of both in {@code last}. */
    private static Thread pump(InputStream stream, boolean stderr, Deque<String> last, String name) {
        Thread t = new Thread(() -> pump(stream, stderr, last), name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void pump(InputStream stream, boolean stderr, Deque<String> last) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (stderr) {
                    output.warn("{}", line);
                } else {
                    output.info("{}", line);
                }
                synchronized (last) {
                    last.addLast(line);
                    if (last.size() > KEPT_LINES) {
                        last.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            log.debug("reading nixos-rebuild output: {}", e.toString());
        }
    }

    /** Kills the children first, so none is re-parented to init and survives. */
    static void killTree(Process process) {
        for (int round = 0; round < 2; round++) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    private static void joinQuietly(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> snapshot(Deque<String> last) {
        synchronized (last) {
            return List.copyOf(last);
        }
    }

    private static String lastLinesSuffix(List<String> lines) {
        if (lines.isEmpty()) {
            return "";
        }
        List<String> tail = lines.subList(Math.max(0, lines.size() - 3), lines.size());
        return ": " + String.join(" | ", tail);
    }
}
