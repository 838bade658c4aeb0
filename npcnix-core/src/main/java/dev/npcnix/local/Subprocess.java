package dev.npcnix.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A short-lived child process run one way everywhere a host program is called (systemctl, nix-env,
 * switch-to-configuration, health-check commands): the given environment only, stdin from
 * {@code /dev/null}, stdout and stderr handed over line by line (merged, unless the caller wants stderr
 * apart), the last lines of both kept for the error message (apart: stdout's, then stderr's), and a deadline after which the process is killed with everything it started. With
 * {@code ownGroup} the child runs in a process group of its own ({@code setsid}, when on {@code PATH}),
 * so the kill reaches even children that left its process tree (a double fork).
 */
public final class Subprocess {
    private static final int KEPT_LINES = 20;

    private Subprocess() {
    }

    /**
     * How a run ended.
     *
     * @param exitCode the exit code; -1 when it was killed at the deadline
     * @param timedOut killed at the deadline
     * @param lastLines its last output lines, oldest first
     */
    public record Result(int exitCode, boolean timedOut, List<String> lastLines) {
        public Result {
            lastLines = List.copyOf(lastLines);
        }

        public boolean ok() {
            return !timedOut && exitCode == 0;
        }

        /** The last few lines joined for a one-line message: {@code ": a | b | c"}, or empty. */
        public String tail() {
            if (lastLines.isEmpty()) {
                return "";
            }
            return ": " + String.join(" | ", lastLines.subList(Math.max(0, lastLines.size() - 3), lastLines.size()));
        }
    }

    /**
     * Runs {@code command} with exactly {@code environment}, waiting at most {@code timeout}; killed when
     * this thread is interrupted.
     *
     * @param lines hears every output line as it comes
     * @throws IOException when it cannot be started (no such executable)
     */
    public static Result run(List<String> command, Map<String, String> environment, Optional<Duration> timeout,
            boolean ownGroup, Consumer<String> lines) throws IOException {
        return run(command, environment, Optional.empty(), timeout, ownGroup, true, lines);
    }

    /** As {@link #run(List, Map, Optional, Optional, boolean, boolean, Consumer, Consumer)} with stdout and stderr merged. */
    public static Result run(List<String> command, Map<String, String> environment, Optional<Path> directory,
            Optional<Duration> timeout, boolean ownGroup, boolean killOnInterrupt, Consumer<String> lines) throws IOException {
        return run(command, environment, directory, timeout, ownGroup, killOnInterrupt, lines, null);
    }

    /**
     * As {@link #run(List, Map, Optional, boolean, Consumer)}, in {@code directory} when given.
     *
     * @param killOnInterrupt {@code false}: an interrupted wait leaves the process running (a process being
     *     torn down leaves its children to systemd's control-group kill)
     * @param errorLines hears every stderr line apart from stdout; null: stderr is merged into {@code lines}
     * @throws java.io.InterruptedIOException when the wait was interrupted (the interrupt flag is set again)
     */
    public static Result run(List<String> command, Map<String, String> environment, Optional<Path> directory,
            Optional<Duration> timeout, boolean ownGroup, boolean killOnInterrupt, Consumer<String> lines,
            Consumer<String> errorLines) throws IOException {
        List<String> argv = new ArrayList<>();
        if (ownGroup) {
            onPath("setsid", environment).ifPresent(setsid -> argv.add(setsid.toString()));
        }
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectErrorStream(errorLines == null)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        directory.ifPresent(d -> pb.directory(d.toFile()));
        pb.environment().clear();
        pb.environment().putAll(environment);
        Process process = pb.start();
        boolean grouped = argv.size() > command.size();
        // One tail per pipe: the order of lines across two pipes is unknowable, so the message says
        // stdout's last lines, then stderr's (the most telling), the same way every run.
        Deque<String> last = new ArrayDeque<>();
        Deque<String> lastErrors = new ArrayDeque<>();
        Thread reader = pump(process.getInputStream(), last, lines, "subprocess-output");
        Thread errors = errorLines == null ? null : pump(process.getErrorStream(), lastErrors, errorLines, "subprocess-errors");
        boolean finished;
        try {
            finished = timeout.isPresent() ? process.waitFor(timeout.get().toMillis(), TimeUnit.MILLISECONDS) : waitForever(process);
        } catch (InterruptedException e) {
            if (killOnInterrupt) {
                kill(process, grouped);
            }
            Thread.currentThread().interrupt();
            java.io.InterruptedIOException interrupted = new java.io.InterruptedIOException("interrupted while running " + command.get(0));
            interrupted.initCause(e);
            throw interrupted;
        }
        if (!finished) {
            kill(process, grouped);
        }
        join(reader);
        if (errors != null) {
            join(errors);
        }
        List<String> tail = new ArrayList<>(snapshot(last));
        tail.addAll(snapshot(lastErrors));
        return new Result(finished ? process.exitValue() : -1, !finished, tail.subList(Math.max(0, tail.size() - KEPT_LINES),
                tail.size()));
    }

    /** The first executable {@code name} on the {@code PATH} of {@code environment}. */
    public static Optional<Path> onPath(String name, Map<String, String> environment) {
        for (String dir : environment.getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * SIGKILL to the child's process group (when it has its own), then to every descendant still known,
     * then to the child: children first, so none is re-parented to init and survives.
     */
    private static void kill(Process process, boolean grouped) {
        if (grouped) {
            try {
                // kill(1) of a shell: the JDK cannot signal a process group
                new ProcessBuilder("/bin/sh", "-c", "kill -s KILL -- -\"$1\" 2>/dev/null", "sh", Long.toString(process.pid()))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start().waitFor(10, TimeUnit.SECONDS);
            } catch (IOException e) {
                // fall through to the tree kill
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
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

    private static boolean waitForever(Process process) throws InterruptedException {
        process.waitFor();
        return true;
    }

    private static Thread pump(InputStream stream, Deque<String> last, Consumer<String> lines, String name) {
        Thread t = new Thread(() -> pump(stream, last, lines), name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void pump(InputStream stream, Deque<String> last, Consumer<String> lines) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.accept(line);
                synchronized (last) {
                    last.addLast(line);
                    if (last.size() > KEPT_LINES) {
                        last.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            // the process was killed; what it printed so far is kept
        }
    }

    private static void join(Thread t) {
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
}
