package dev.npcnix.bench;

import dev.npcnix.ConfigurationName;
import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.PackOptions;
import dev.npcnix.follow.FollowOptions;
import dev.npcnix.follow.Follower;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreSettings;
import dev.npcnix.testing.http.Traffic;
import dev.npcnix.testing.s3.S3Server;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Benchmark 2: the cost of an unchanged poll, the daemon's steady state. Runs in a JVM of its own with
 * the daemon's JVM options (heap raised for the S3 server that shares the JVM): the real
 * {@link Follower#pollOnce()} against the in-JVM S3 server, thread CPU time of the polling thread
 * around each call, requests and response bytes counted by the server's proxy. The baseline is what
 * the Rust npcnix pays per poll: one {@code aws s3api get-object-attributes} process.
 */
public final class PollBench {
    private PollBench() {
    }

    /** In the harness: starts the child JVM and reports its figures. */
    static void run(Bench.Ctx ctx) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ctx.java().toString());
        for (String o : ctx.moduleJavaOptions()) {
            // Heap sizing is the daemon's own: this JVM also holds the S3 server.
            if (!o.matches("-Xm[xns].*|-XX:(MaxMetaspaceSize|MaxRAM|MinHeapFreeRatio|MaxHeapFreeRatio)=.*")) {
                cmd.add(o);
            }
        }
        cmd.addAll(List.of("-Xmx256m", "-cp", ctx.classpath(), PollBench.class.getName(),
                ctx.work().resolve("poll").toString(), ctx.quick() ? "2000" : "6000", ctx.quick() ? "3" : "7"));
        ctx.log("poll: %s", String.join(" ", cmd.subList(0, cmd.indexOf("-cp"))));
        Proc.Result r = Proc.run(cmd, Map.of(), ctx.scratch());
        r.err().lines().filter(l -> l.startsWith("aws ")).forEach(l -> ctx.log("poll: %s", l));
        if (r.code() != 0) {
            throw new IllegalStateException("poll benchmark failed:\n" + r.err() + r.out());
        }
        Map<String, Double> v = new java.util.HashMap<>();
        for (String line : r.out().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && (f[0].startsWith("poll.") || f[0].startsWith("aws."))) {
                v.put(f[0], Double.parseDouble(f[1]));
            }
        }
        ctx.log("poll: %s", v);
        int n = v.get("poll.count").intValue();
        ctx.report(Figure.absolute("unchanged poll: requests/poll", v.get("poll.requests") / n, "", "= 1",
                v.get("poll.requests") == n));
        ctx.report(Figure.absolute("unchanged poll: response body bytes/poll", v.get("poll.bytes") / n, "B", "= 0",
                v.get("poll.bytes") == 0));
        double cpu = v.get("poll.cpu.median.ms");
        ctx.report(new Figure("unchanged poll: CPU/poll (median of " + n + ")", cpu, "ms", "aws s3api", v.get("aws.cpu.median.ms"),
                "<= 1 ms", cpu <= 1.0));
        ctx.report(Figure.info("unchanged poll: CPU/poll p90", v.get("poll.cpu.p90.ms"), "ms"));
        ctx.report(Figure.info("unchanged poll: wall/poll (median)", v.get("poll.wall.median.ms"), "ms"));
        ctx.report(Figure.info("unchanged poll: GC time/poll (JVM shared w/ server)", v.get("poll.gc.ms"), "ms"));
    }

    /** In the child JVM: {@code PollBench WORKDIR POLLS AWS_RUNS}; prints {@code key value} lines. */
    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args[0]));
        int polls = Integer.parseInt(args[1]);
        int awsRuns = Integer.parseInt(args[2]);
        Bench.quietLogging();
        try (S3Server server = S3Server.start()) {
            server.createBucket("fleet");
            RemoteUri remote = RemoteUri.parse("s3://fleet/npcnix/remotes/prod.npcnix");
            Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", server.accessKey(), "AWS_SECRET_ACCESS_KEY",
                    server.secretKey(), "AWS_REGION", server.region());
            StoreSettings settings = StoreSettings.of(env, Optional.of(server.region()), Optional.of(server.endpoint().toString()));
            Path tree = work.resolve("tree");
            Trees.generate(Trees.TYPICAL, tree);
            Path archive = work.resolve("release.npcnix");
            try (OutputStream out = Files.newOutputStream(archive)) {
                FlakeArchive.pack(tree, out, PackOptions.defaults());
            }
            try (RemoteStores stores = new RemoteStores(settings)) {
                stores.forRemote(remote).publish(remote, archive);
                DataDir dataDir = DataDir.open(work.resolve("data"));
                dataDir.storeSettings(Settings.empty().withRemote(remote).withConfiguration(ConfigurationName.of("web")));
                Follower follower = new Follower(dataDir, stores, request -> { }, Clock.systemUTC(), FollowOptions.defaults());
                PollOutcome first = follower.pollOnce();
                if (!(first instanceof PollOutcome.Activated)) {
                    throw new IllegalStateException("first poll: " + first);
                }
                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                for (int i = 0; i < Math.max(500, polls / 4); i++) { // warm-up: the daemon runs for months
                    expectUnchanged(follower.pollOnce());
                }
                server.resetTraffic();
                long gcBefore = gcMillis();
                long[] cpu = new long[polls];
                long[] wall = new long[polls];
                for (int i = 0; i < polls; i++) {
                    long w0 = System.nanoTime();
                    long c0 = threads.getCurrentThreadCpuTime();
                    PollOutcome o = follower.pollOnce();
                    cpu[i] = threads.getCurrentThreadCpuTime() - c0;
                    wall[i] = System.nanoTime() - w0;
                    expectUnchanged(o);
                }
                long gc = gcMillis() - gcBefore; // on the GC's thread, not the poller's: reported apart
                Traffic traffic = server.traffic();
                double[] c = Stats.sorted(cpu);
                double[] w = Stats.sorted(wall);
                print("poll.count", polls);
                print("poll.requests", traffic.requestCount());
                print("poll.bytes", traffic.responseBodyBytes());
                print("poll.cpu.median.ms", Stats.percentileOfSorted(c, 50) / 1e6);
                print("poll.cpu.p90.ms", Stats.percentileOfSorted(c, 90) / 1e6);
                print("poll.wall.median.ms", Stats.percentileOfSorted(w, 50) / 1e6);
                print("poll.gc.ms", (double) gc / polls);
            }
            print("aws.cpu.median.ms", awsCli(server, work, awsRuns));
        }
    }

    /** CPU time (user + sys, from GNU time) of the Rust npcnix's per-poll check, median of {@code runs}. */
    private static double awsCli(S3Server server, Path work, int runs) {
        List<String> cmd = List.of("/usr/bin/aws", "s3api", "get-object-attributes", "--bucket", "fleet",
                "--key", "npcnix/remotes/prod.npcnix", "--object-attributes", "ETag",
                "--endpoint-url", server.endpoint().toString());
        Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", server.accessKey(), "AWS_SECRET_ACCESS_KEY", server.secretKey(),
                "AWS_DEFAULT_REGION", server.region(), "HOME", work.toString(), "AWS_EC2_METADATA_DISABLED", "true",
                "AWS_PAGER", "");
        List<Double> cpu = new ArrayList<>();
        for (int i = -1; i < runs; i++) {
            Proc.Result r = Proc.run(cmd, env, work.resolve("scratch"), true);
            if (i == -1) {
                System.err.printf(Locale.ROOT, "aws s3api get-object-attributes: exit %d: %s%s%n", r.code(), r.out().strip(),
                        r.err().strip());
            } else {
                cpu.add(r.cpuMillis());
            }
        }
        return Stats.median(cpu);
    }

    /** Collection time so far, all collectors (the S3 server shares the heap: an upper bound). */
    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(b -> Math.max(0, b.getCollectionTime())).sum();
    }

    private static void expectUnchanged(PollOutcome o) {
        if (!(o instanceof PollOutcome.Unchanged)) {
            throw new IllegalStateException("expected an unchanged poll, got " + o);
        }
    }

    private static void print(String key, double value) {
        System.out.printf(Locale.ROOT, "%s %s%n", key, value);
    }
}
