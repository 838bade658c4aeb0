package dev.npcnix.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real executable standing in for {@code nixos-rebuild} (the script {@code fake-nixos-rebuild.sh}):
 * it records every invocation's working directory, arguments and a copy of the flake it was given,
 * and exits with the code a test sets. Point npcnix at it with {@link #env()}.
 */
public final class FakeNixosRebuild {
    private final Path executable;
    private final Path log;

    private FakeNixosRebuild(Path executable, Path log) {
        this.executable = executable;
        this.log = log;
    }

    /** Installs the script as {@code dir/bin/nixos-rebuild}, recording under {@code dir/log*}. */
    public static FakeNixosRebuild install(Path dir) {
        try {
            Path bin = Files.createDirectories(dir.resolve("bin"));
            Path exe = bin.resolve("nixos-rebuild");
            try (InputStream in = FakeNixosRebuild.class.getResourceAsStream("fake-nixos-rebuild.sh")) {
                Files.write(exe, in.readAllBytes());
            }
            Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
            return new FakeNixosRebuild(exe, dir.resolve("log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path executable() {
        return executable;
    }

    /** The environment npcnix needs to run this stand-in ({@code NPCNIX_NIXOS_REBUILD}, the log, a PATH). */
    public Map<String, String> env() {
        return Map.of(
                "NPCNIX_NIXOS_REBUILD", executable.toString(),
                "FAKE_NIXOS_REBUILD_LOG", log.toString(),
                "PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    }

    /** From now on, exit with {@code code}. */
    public void exitWith(int code) {
        write(Path.of(log + ".exit"), Integer.toString(code));
    }

    /** From now on, sleep {@code seconds} before exiting (for timeout and kill tests). */
    public void sleepFor(int seconds) {
        write(Path.of(log + ".sleep"), Integer.toString(seconds));
    }

    /** From now on, sleep {@code duration} (millisecond precision, may be under a second) before exiting. */
    public void sleepFor(java.time.Duration duration) {
        long millis = duration.toMillis();
        write(Path.of(log + ".sleep"), String.format(java.util.Locale.ROOT, "%d.%03d", millis / 1000, millis % 1000));
    }

    /** One recorded run. {@code tree} is the copy of the flake directory; {@code finished} false if it was killed. */
    public record Invocation(int number, Path cwd, List<String> args, Path tree, boolean finished) {
        /** The flake reference passed with {@code --flake}. */
        public String flakeRef() {
            int i = args.indexOf("--flake");
            return i < 0 || i + 1 >= args.size() ? null : args.get(i + 1);
        }

        /** The operation (first argument). */
        public String operation() {
            return args.isEmpty() ? null : args.get(0);
        }
    }

    /** Every recorded run, in order. */
    /**
     * How many runs started: record directories, including one whose run was killed before it wrote
     * its invocation (the next run's directory is this number + 1).
     */
    public int runsStarted() {
        Path dir = Path.of(log + ".d");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> runs = Files.list(dir)) {
            return runs.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9]+"))
                    .mapToInt(Integer::parseInt).max().orElse(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<Invocation> invocations() {
        Path dir = Path.of(log + ".d");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Invocation> out = new ArrayList<>();
        try (Stream<Path> runs = Files.list(dir)) {
            for (Path run : runs.sorted(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString()))).toList()) {
                Path inv = run.resolve("invocation");
                if (!Files.exists(inv)) {
                    continue;
                }
                Path cwd = null;
                List<String> args = new ArrayList<>();
                for (String line : Files.readAllLines(inv, StandardCharsets.UTF_8)) {
                    if (line.startsWith("cwd=")) {
                        cwd = Path.of(line.substring(4));
                    } else if (line.startsWith("arg=")) {
                        args.add(line.substring(4));
                    }
                }
                out.add(new Invocation(Integer.parseInt(run.getFileName().toString()), cwd, List.copyOf(args),
                        run.resolve("tree"), Files.exists(run.resolve("done"))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
