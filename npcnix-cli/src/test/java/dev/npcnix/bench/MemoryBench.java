package dev.npcnix.bench;

import dev.npcnix.testing.s3.S3Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark 3: resident memory of the real daemon process ({@code bin/npcnix follow}, with the JVM
 * options of the NixOS module's {@code javaOptions} default and its {@code -Djava.io.tmpdir}), read
 * from {@code /proc/PID/status}.
 *
 * <p>Idle: as under systemd, a first {@code follow --once=activate} activates the release and exits; the
 * next one is measured: it follows the S3 remote on the in-JVM server with a 1 s poll interval (the
 * shortest the settings allow), started before the other benchmarks and sampled at N/4, N/2, 3N/4 and
 * N unchanged polls; at about one poll per second its CPU use does not disturb them. Peak: a fresh daemon
 * ({@code --once=activate}) pulls, unpacks and activates a release; the nixos-rebuild stand-in records
 * the daemon's VmHWM (peak RSS) while it runs, i.e. after download and unpack. Two release sizes show
 * whether the peak grows with the release.
 */
final class MemoryBench {
    private static final String REMOTE = "s3://fleet/npcnix/remotes/prod.npcnix";

    private final Bench.Ctx ctx;
    private final int polls;
    private final List<String> javaOptions;
    private S3Server server;
    private Process daemon;
    private Path dir;
    private final Map<Integer, long[]> samples = new LinkedHashMap<>();
    private Thread sampler;

    private MemoryBench(Bench.Ctx ctx, List<String> javaOptions) {
        this.ctx = ctx;
        this.polls = Integer.getInteger("bench.memory.polls", ctx.quick() ? 60 : 1000);
        this.javaOptions = javaOptions;
    }

    /** Starts the idle daemon; {@link #finish()} waits for its polls and measures the peaks. */
    static MemoryBench start(Bench.Ctx ctx) throws Exception {
        List<String> options = System.getProperty("bench.javaOptions") != null
                ? List.of(System.getProperty("bench.javaOptions").trim().split("[,\\s]+"))
                : ctx.moduleJavaOptions();
        MemoryBench m = new MemoryBench(ctx, options);
        m.startIdle();
        return m;
    }

    private Map<String, String> env(Path data, Path hwm) {
        Map<String, String> env = new HashMap<>(server.clientEnv());
        env.putAll(Map.of(
                "NPCNIX_NIXOS_REBUILD", dir.resolve("nixos-rebuild").toString(),
                "BENCH_HWM_FILE", hwm.toString(),
                // As the module sets it: its javaOptions, then the JVM's temp dir in the data dir.
                "NPCNIX_JAVA_OPTS", String.join(" ", javaOptions) + " -Djava.io.tmpdir=" + data.resolve("jvm-tmp")));
        String more = System.getProperty("bench.daemonEnv"); // NAME=VALUE,... (exploring)
        if (more != null) {
            for (String kv : more.split(",")) {
                env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        return env;
    }

    private void startIdle() throws Exception {
        dir = Files.createDirectories(ctx.work().resolve("memory"));
        Path rebuild = dir.resolve("nixos-rebuild");
        // Records the daemon's peak RSS so far while "activating": the download and unpack are done.
        Files.writeString(rebuild, "#!/bin/sh\ngrep -E '^(VmHWM|VmRSS)' /proc/$PPID/status > \"$BENCH_HWM_FILE\"\nexit 0\n");
        Files.setPosixFilePermissions(rebuild, PosixFilePermissions.fromString("rwxr-xr-x"));
        server = S3Server.start();
        server.createBucket("fleet");
        Path data = dir.resolve("idle-data");
        Files.createDirectories(data.resolve("jvm-tmp"));
        Map<String, String> env = env(data, dir.resolve("idle-hwm"));
        publish(Trees.TYPICAL, env);
        // As under systemd (--once=activate, Restart=always): one process activates the release and
        // exits, the next one polls an unchanged remote from then on. That one is measured.
        List<String> cmd = List.of(ctx.npcnix().toString(), "--data-dir", data.toString(), "follow", "--once=activate",
                "--remote", REMOTE, "--configuration", "web", "--min-sleep-secs", "1", "--max-sleep-secs", "1",
                "--max-sleep-after-hours", "1");
        Proc.run(cmd, env, ctx.scratch()).orThrow(cmd);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("idle.log").toFile());
        pb.environment().putAll(env);
        ctx.log("memory: idle daemon with NPCNIX_JAVA_OPTS=%s, %d polls of 1 s", env.get("NPCNIX_JAVA_OPTS"), polls);
        server.resetTraffic();
        daemon = pb.start();
        sampler = new Thread(this::sample, "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void publish(Trees.Shape shape, Map<String, String> env) throws IOException {
        List<String> cmd = List.of(ctx.npcnix().toString(), "publish", "--src", ctx.tree(shape).toString(), "--remote", REMOTE);
        Proc.run(cmd, env, ctx.scratch()).orThrow(cmd);
    }

    /** Records VmRSS and VmHWM when the server has seen N/4, N/2, 3N/4 and N polls. */
    private void sample() {
        int next = 1;
        while (next <= 4 && daemon.isAlive()) {
            int seen = server.traffic().requestCount();
            if (seen >= polls * next / 4) {
                try {
                    samples.put(seen, status(daemon.pid()));
                } catch (IOException e) {
                    return;
                }
                next++;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Where the idle daemon's memory is (-Dbench.memory.diagnose=true, for choosing options): resident
     * memory by mapping, heap, the largest heap classes, and native memory by JVM area when the
     * options include -XX:NativeMemoryTracking=summary.
     */
    private void diagnose() throws IOException {
        String pid = Long.toString(javaPid());
        Map<String, Long> byMapping = new java.util.TreeMap<>();
        String mapping = "?";
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] f = line.trim().split("\\s+");
                mapping = f.length > 5 ? Path.of(f[5]).getFileName().toString() : "[anon]";
            } else if (line.startsWith("Rss:")) {
                byMapping.merge(mapping, Long.parseLong(line.replaceAll("\\D", "")), Long::sum);
            }
        }
        StringBuilder top = new StringBuilder();
        byMapping.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
                .forEach(e -> top.append(String.format(java.util.Locale.ROOT, "%n  %7d KiB %s", e.getValue(), e.getKey())));
        ctx.log("memory: resident by mapping:%s", top);
        ctx.log("memory: %s", Proc.run(List.of("jcmd", pid, "GC.heap_info"), Map.of(), ctx.scratch()).out());
        ctx.log("memory: %s", Proc.run(List.of("jcmd", pid, "GC.class_histogram"), Map.of(), ctx.scratch()).out()
                .lines().limit(20).collect(java.util.stream.Collectors.joining("\n")));
        if (String.join(" ", javaOptions).contains("NativeMemoryTracking")) {
            ctx.log("memory: %s", Proc.run(List.of("jcmd", pid, "VM.native_memory", "summary"), Map.of(), ctx.scratch()).out());
        }
    }

    /** The daemon's JVM: the launcher execs java, so it is the process started. */
    private long javaPid() {
        return daemon.pid();
    }

    private static long[] status(long pid) throws IOException {
        long rss = -1;
        long hwm = -1;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D", ""));
            } else if (line.startsWith("VmHWM:")) {
                hwm = Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return new long[] {rss, hwm};
    }

    void finish() throws Exception {
        try {
            ctx.log("memory: waiting for the idle daemon's %d polls (at %d now)", polls, server.traffic().requestCount());
            sampler.join(TimeUnit.SECONDS.toMillis(polls * 3L + 60));
            if (samples.size() < 4) {
                throw new IllegalStateException("idle daemon: only " + samples + " samples; log: "
                        + Files.readString(dir.resolve("idle.log")));
            }
            if (Boolean.getBoolean("bench.memory.diagnose")) {
                diagnose();
            }
        } finally {
            daemon.destroy();
            daemon.waitFor(10, TimeUnit.SECONDS);
        }
        ctx.log("memory: idle samples (polls -> [VmRSS KiB, VmHWM KiB]): %s", format(samples));
        List<Integer> n = new ArrayList<>(samples.keySet());
        long first = samples.get(n.get(0))[0];
        long last = samples.get(n.get(3))[0];
        ctx.report(Figure.absolute("daemon idle RSS after " + n.get(3) + " polls", last / 1024.0, "MiB", "<= 64 MiB",
                last <= 64 * 1024));
        ctx.report(new Figure("daemon idle RSS growth, poll " + n.get(0) + " -> " + n.get(3), last / 1024.0, "MiB",
                "at poll " + n.get(0), first / 1024.0, "<= 1.05x", last <= first * 1.05));
        if (!"false".equals(System.getProperty("bench.memory.peaks"))) {
            peaks();
        }
        server.close();
    }

    private void peaks() throws Exception {
        List<Trees.Shape> sizes = ctx.quick() ? List.of(Trees.TYPICAL, Trees.MEDIUM) : List.of(Trees.MEDIUM, Trees.LARGE);
        Map<String, Long> peak = new LinkedHashMap<>();
        for (Trees.Shape shape : sizes) {
            Path data = dir.resolve("peak-" + shape.name());
            Files.createDirectories(data.resolve("jvm-tmp"));
            Path hwm = dir.resolve("hwm-" + shape.name());
            Map<String, String> env = env(data, hwm);
            publish(shape, env);
            List<String> cmd = List.of(ctx.npcnix().toString(), "--data-dir", data.toString(), "follow", "--once=activate",
                    "--remote", REMOTE, "--configuration", "web");
            Proc.Result r = Proc.run(cmd, env, ctx.scratch()).orThrow(cmd);
            long kib = Long.parseLong(Files.readAllLines(hwm).stream().filter(l -> l.startsWith("VmHWM"))
                    .findFirst().orElseThrow().replaceAll("\\D", ""));
            peak.put(shape.name(), kib);
            ctx.log("memory: peak %s: %d KiB in %.0f ms", shape.name(), kib, r.wallMillis());
            Bench.deleteTree(data);
        }
        String small = sizes.get(0).name();
        String big = sizes.get(1).name();
        ctx.report(Figure.absolute("daemon peak RSS, pull+unpack " + big + " release", peak.get(big) / 1024.0, "MiB",
                "<= 160 MiB", peak.get(big) <= 160 * 1024));
        ctx.report(new Figure("daemon peak RSS growth " + small + " -> " + big, peak.get(big) / 1024.0, "MiB",
                small, peak.get(small) / 1024.0, "<= 1.10x", peak.get(big) <= peak.get(small) * 1.10));
    }

    private static String format(Map<Integer, long[]> s) {
        StringBuilder b = new StringBuilder();
        s.forEach((k, v) -> b.append(k).append("->[").append(v[0]).append(", ").append(v[1]).append("] "));
        return b.toString();
    }
}
