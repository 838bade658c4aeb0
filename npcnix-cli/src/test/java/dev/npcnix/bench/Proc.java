package dev.npcnix.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs whole processes and times them: wall time from fork to exit, and (with GNU time) child CPU and peak RSS. */
final class Proc {
    private static final Path GNU_TIME = Path.of("/usr/bin/time");

    /** What one run did. {@code cpuMillis} and {@code maxRssKib} are -1 unless run through GNU time. */
    record Result(int code, double wallMillis, double cpuMillis, long maxRssKib, String out, String err) {
        Result orThrow(List<String> command) {
            if (code != 0) {
                throw new IllegalStateException("exit " + code + ": " + String.join(" ", command) + "\n" + err + out);
            }
            return this;
        }
    }

    private Proc() {
    }

    static Result run(List<String> command, Map<String, String> env, Path scratch) {
        return run(command, env, scratch, false);
    }

    /** Runs {@code command}; with {@code gnuTime} also measures its CPU time (user + sys) and peak RSS. */
    static Result run(List<String> command, Map<String, String> env, Path scratch, boolean gnuTime) {
        try {
            Files.createDirectories(scratch);
            Path out = Files.createTempFile(scratch, "out", ".txt");
            Path err = Files.createTempFile(scratch, "err", ".txt");
            Path times = Files.createTempFile(scratch, "time", ".txt");
            List<String> full = new ArrayList<>();
            if (gnuTime) {
                full.addAll(List.of(GNU_TIME.toString(), "-o", times.toString(), "-f", "%e %U %S %M"));
            }
            full.addAll(command);
            ProcessBuilder pb = new ProcessBuilder(full).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            long start = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            double wall = (System.nanoTime() - start) / 1e6;
            double cpu = -1;
            long rss = -1;
            if (gnuTime) {
                String[] f = lastLine(Files.readString(times)).trim().split("\\s+");
                cpu = (Double.parseDouble(f[1]) + Double.parseDouble(f[2])) * 1000;
                rss = Long.parseLong(f[3]);
            }
            Result r = new Result(p.exitValue(), wall, cpu, rss, Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            Files.delete(times);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Result bash(String script, Map<String, String> env, Path scratch) {
        return run(List.of("bash", "-c", script), env, scratch);
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines[lines.length - 1];
    }
}
