package dev.npcnix.activate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs {@code nixos-rebuild} as a child process. Its output goes to the log as it comes. */
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
                .redirectErrorStream(true)
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
        Thread reader = new Thread(() -> pump(process, last), "nixos-rebuild-output");
        reader.setDaemon(true);
        reader.start();
        boolean finished;
        try {
            finished = timeout.isPresent()
                    ? process.waitFor(timeout.get().toMillis(), TimeUnit.MILLISECONDS)
                    : waitForever(process);
        } catch (InterruptedException e) {
            // Interrupted means the process is being torn down: leave the rebuild to systemd's cgroup handling.
            Thread.currentThread().interrupt();
            throw new ActivationException("nixos-rebuild: interrupted while running", -1, snapshot(last), true, e);
        }
        if (!finished) {
            killTree(process);
            joinQuietly(reader);
            throw new ActivationException("nixos-rebuild timed out after " + timeout.get() + " and was killed"
                    + lastLinesSuffix(snapshot(last)), -1, snapshot(last), false, null);
        }
        joinQuietly(reader);
        int code = process.exitValue();
        if (code != 0) {
            List<String> lines = snapshot(last);
            throw new ActivationException("nixos-rebuild exited " + code + lastLinesSuffix(lines), code, lines, false, null);
        }
        log.info("activated {}", request.configuration());
    }

    private static boolean waitForever(Process process) throws InterruptedException {
        process.waitFor();
        return true;
    }

    private static void pump(Process process, Deque<String> last) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                output.info("{}", line);
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
