package dev.npcnix.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** The real {@code npcnix} entry point in a separate JVM, for tests of signals, locks and crashes. */
final class NpcnixProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private NpcnixProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code npcnix args…} with {@code env} added to this JVM's environment; output goes to {@code log}. */
    static NpcnixProcess start(Map<String, String> env, Path log, String... args) throws IOException {
        return start(List.of(), env, log, args);
    }

    /**
     * As {@link #start}, in a process group of its own ({@code setsid}), as systemd runs a unit: its
     * children ({@code nixos-rebuild}) are in the group too, and {@link #signalGroup} reaches them all.
     */
    static NpcnixProcess startInOwnGroup(Map<String, String> env, Path log, String... args) throws IOException {
        return start(List.of("setsid"), env, log, args);
    }

    private static NpcnixProcess start(List<String> prefix, Map<String, String> env, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return new NpcnixProcess(pb.start(), log);
    }

    Process process() {
        return process;
    }

    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Sends a signal by name (TERM, INT, KILL) with kill(1). */
    void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    /**
     * Sends a signal to the process's whole group ({@code kill -SIG -- -PGID}), as systemd's default
     * {@code KillMode=control-group} does to a unit on stop.
     */
    void signalGroup(String name) throws IOException, InterruptedException {
        // field 5 of /proc/PID/stat, after the command name in parentheses (which may hold spaces)
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        String pgid = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2];
        new ProcessBuilder("kill", "-" + name, "--", "-" + pgid).inheritIO().start().waitFor();
    }

    /** Waits until {@code condition} holds, checking every 20 ms, failing after {@code timeout}. */
    static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        dev.npcnix.testing.Await.until(timeout, what, condition);
    }


    /** Waits until the output contains {@code text}. */
    void awaitOutput(String text, Duration timeout) throws InterruptedException {
        await(timeout, "output containing '" + text + "'", () -> {
            try {
                return output().contains(text);
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
