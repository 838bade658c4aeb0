package dev.npcnix.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The performance benchmarks of docs/performance.md, run by {@code src-test-fixtures/bench/run}: one
 * line per figure with the value, the baseline measured in the same run, their ratio and the target.
 *
 * <p>Usage: {@code Bench [--quick] [--strict] [--only pack,poll,startup,fleet,memory] --repo DIR --work DIR}.
 * The work directory should be on tmpfs; everything generated goes there and is removed at the end.
 */
public final class Bench {
    static final List<String> ALL = List.of("pack", "poll", "startup", "fleet", "memory");

    /** What every benchmark needs: where things are, the mode, and where figures go. */
    static final class Ctx {
        private final boolean quick;
        private final Path repo;
        private final Path work;
        private final List<Figure> figures = new ArrayList<>();
        private final Map<String, Path> trees = new HashMap<>();
        private final PrintStream out;
        private final PrintStream log;

        Ctx(boolean quick, Path repo, Path work, PrintStream out, PrintStream log) {
            this.quick = quick;
            this.repo = repo;
            this.work = work;
            this.out = out;
            this.log = log;
        }

        boolean quick() {
            return quick;
        }

        Path repo() {
            return repo;
        }

        Path work() {
            return work;
        }

        Path scratch() {
            return work.resolve("scratch");
        }

        /** The distribution under test; {@code -Dbench.dist=DIR} compares another build. */
        Path dist() {
            String other = System.getProperty("bench.dist");
            return other != null ? Path.of(other) : repo.resolve("npcnix-cli/target/npcnix");
        }

        Path npcnix() {
            return dist().resolve("bin/npcnix");
        }

        /** The tree of {@code shape}, generated on first use. */
        Path tree(Trees.Shape shape) throws IOException {
            Path existing = trees.get(shape.name());
            if (existing != null) {
                return existing;
            }
            Path dir = work.resolve("trees").resolve(shape.name());
            long started = System.nanoTime();
            long bytes = Trees.generate(shape, dir);
            log("generated %s: %d files, %.1f MB in %.1f s", shape.name(), shape.files(), bytes / 1e6,
                    (System.nanoTime() - started) / 1e9);
            trees.put(shape.name(), dir);
            return dir;
        }

        /** The JVM options the NixOS module gives the daemon by default (services.npcnix.javaOptions). */
        List<String> moduleJavaOptions() throws IOException {
            String nix = Files.readString(repo.resolve("nixos-module/options.nix"));
            Matcher block = Pattern.compile("javaOptions = mkOption \\{.*?default = \\[(.*?)\\];", Pattern.DOTALL).matcher(nix);
            if (!block.find()) {
                throw new IllegalStateException("no javaOptions default in nixos-module/options.nix");
            }
            List<String> opts = new ArrayList<>();
            Matcher s = Pattern.compile("\"([^\"]+)\"").matcher(block.group(1));
            while (s.find()) {
                opts.add(s.group(1));
            }
            return opts;
        }

        /** The classpath of this JVM (test classes and every dependency), for child JVMs. */
        String classpath() {
            return System.getProperty("java.class.path");
        }

        Path java() {
            return Path.of(System.getProperty("java.home"), "bin", "java");
        }

        synchronized void report(Figure f) {
            figures.add(f);
            out.println(f.row());
            out.flush();
        }

        synchronized void log(String format, Object... args) {
            log.printf(Locale.ROOT, "bench: " + format + "%n", args);
            log.flush();
        }

        List<Figure> figures() {
            return figures;
        }
    }

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        boolean strict = false;
        List<String> only = ALL;
        Path repo = Path.of(".").toAbsolutePath().normalize();
        Path work = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--strict" -> strict = true;
                case "--only" -> only = Arrays.asList(args[++i].split(","));
                case "--repo" -> repo = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--work" -> work = Path.of(args[++i]).toAbsolutePath().normalize();
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (work == null) {
            work = Files.createTempDirectory(Path.of("/dev/shm"), "npcnix-bench-");
        }
        Files.createDirectories(work);
        quietLogging();
        Ctx ctx = new Ctx(quick, repo, work, System.out, System.err);
        Instant started = Instant.now();
        System.out.println(Figure.header());
        Map<String, Throwable> failures = new LinkedHashMap<>();
        // The idle daemon polls in the background (about once a second) while the others run.
        MemoryBench memory = null;
        if (only.contains("memory")) {
            try {
                memory = MemoryBench.start(ctx);
            } catch (Exception e) {
                failures.put("memory", e);
                e.printStackTrace(System.err);
            }
        }
        for (String name : only) {
            if (!ALL.contains(name)) {
                throw new IllegalArgumentException("unknown benchmark " + name + " (known: " + ALL + ")");
            }
            long t0 = System.nanoTime();
            try {
                switch (name) {
                    case "pack" -> PackBench.run(ctx);
                    case "poll" -> PollBench.run(ctx);
                    case "startup" -> StartupBench.run(ctx);
                    case "fleet" -> FleetBench.run(ctx);
                    case "memory" -> {
                        if (memory != null) {
                            memory.finish();
                        }
                    }
                    default -> throw new IllegalStateException(name);
                }
            } catch (Exception | AssertionError e) {
                failures.put(name, e);
                ctx.log("%s FAILED: %s", name, e);
                e.printStackTrace(System.err);
            }
            ctx.log("%s took %.0f s", name, (System.nanoTime() - t0) / 1e9);
        }
        deleteTree(work);
        Duration took = Duration.between(started, Instant.now());
        StringBuilder table = new StringBuilder(Figure.header()).append('\n');
        ctx.figures().forEach(f -> table.append(f.row()).append('\n'));
        Path outDir = Files.createDirectories(repo.resolve("bench-out"));
        Files.writeString(outDir.resolve(quick ? "quick.md" : "latest.md"), table, StandardCharsets.UTF_8);
        long misses = ctx.figures().stream().filter(f -> Boolean.FALSE.equals(f.pass())).count();
        System.out.printf(Locale.ROOT, "%nbench: %d figures, %d MISS, %d benchmark(s) failed, %d s (%s mode); table in %s%n",
                ctx.figures().size(), misses, failures.size(), took.toSeconds(), quick ? "quick" : "full",
                outDir.resolve(quick ? "quick.md" : "latest.md"));
        System.exit(!failures.isEmpty() ? 1 : strict && misses > 0 ? 3 : 0);
    }

    /**
     * The test classpath brings logback-test.xml (our code at DEBUG, to stderr): in a benchmark that
     * would measure logging. WARN, as the daemon logs an unchanged poll (it is a DEBUG line).
     */
    static void quietLogging() {
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext lc) {
            lc.getLogger("dev.npcnix").setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    static void deleteTree(Path root) {
        dev.npcnix.local.LocalFiles.deleteRecursively(root);
    }
}
