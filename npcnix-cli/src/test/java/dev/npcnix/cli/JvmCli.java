package dev.npcnix.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real {@code npcnix} in its own JVM ({@link Main} on the test classpath), for what an in-JVM run
 * cannot show: SIGKILL, a process's own {@code java.io.tmpdir}. Output goes to a log file under
 * {@code target/} so the suite's credential check sees it too.
 */
final class JvmCli {
    private JvmCli() {
    }

    /**
     * Starts {@code npcnix args...} with exactly {@code env}, {@code java.io.tmpdir} set to {@code jvmTmp},
     * appending its stdout and stderr to {@code log}.
     */
    static Process start(Map<String, String> env, Path jvmTmp, Path log, String... args) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // a short-lived client JVM: start fast, stay small
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:-UsePerfData",
                "-Djava.io.tmpdir=" + jvmTmp,
                "-Dnpcnix.test.log=" + log.toAbsolutePath().getParent().resolve("events.log"),
                "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb.start();
    }
}
