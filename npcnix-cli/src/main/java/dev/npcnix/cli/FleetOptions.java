package dev.npcnix.cli;

import dev.npcnix.InvalidInputException;
import dev.npcnix.daemon.Hooks;
import dev.npcnix.daemon.MetricsFile;
import dev.npcnix.fleet.HostId;
import dev.npcnix.fleet.HostIds;
import dev.npcnix.fleet.Reporter;
import dev.npcnix.follow.Follower;
import dev.npcnix.state.DataDir;
import dev.npcnix.store.RemoteStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * What {@code follow} tells the world besides activating: its report in the store, a metrics file, hooks.
 * Each is built only when asked for: the metrics file's classes and the Prometheus library are loaded
 * only with {@code --metrics-file} (the idle daemon's memory, docs/performance.md).
 */
final class FleetOptions {
    @Option(names = "--host-id", paramLabel = "ID",
            description = "Name of this host in the fleet view (default: the EC2 instance id, else the host name).")
    String hostId;

    @Option(names = "--report-interval", paramLabel = "DURATION", converter = Durations.class,
            description = "Write this host's report to <remote>.hosts/ at least this often (default 3h); it is also written after every attempt and state change.")
    Duration reportInterval;

    @Option(names = "--no-reports", description = "Write no report to the store (a host without s3:PutObject on <remote>.hosts/).")
    boolean noReports;

    @Option(names = "--metrics-file", paramLabel = "PATH",
            description = "Write Prometheus metrics to this file after every poll (node_exporter's textfile collector), atomically, mode 0644.")
    Path metricsFile;

    @Option(names = "--on-success", paramLabel = "CMD", description = "Shell command run after a release was activated (NPCNIX_* variables).")
    String onSuccess;

    @Option(names = "--on-failure", paramLabel = "CMD",
            description = "Shell command run after a failed attempt, and once when polls start failing.")
    String onFailure;

    @Option(names = "--on-rollback", paramLabel = "CMD", description = "Shell command run after a release failed its checks and was rolled back.")
    String onRollback;

    @Option(names = "--hook-timeout", paramLabel = "DURATION", converter = Durations.class,
            description = "Kill a hook's process group after this long (default 60s).")
    Duration hookTimeout;

    /** Refuses bad options (exit 2) before {@code follow} writes anything. */
    void validate() {
        Duration interval = interval();
        if (interval.isZero() || interval.isNegative()) {
            throw new InvalidInputException("--report-interval " + Durations.format(interval) + ": must be positive");
        }
        if (hostId != null) {
            new HostId(hostId);
        }
    }

    private Duration interval() {
        return reportInterval == null ? Reporter.DEFAULT_INTERVAL : reportInterval;
    }

    /** The reporter of this host, or empty when reports are off. */
    Optional<Reporter> reporter(CliContext ctx, DataDir dir, RemoteStores stores, boolean dryRun) {
        if (noReports || dryRun) {
            return Optional.empty();
        }
        validate();
        Duration interval = interval();
        HostId id = HostIds.resolve(Optional.ofNullable(hostId), dir, HostIds.system(ctx.env()));
        return Optional.of(new Reporter(dir, stores, id, ctx.clock(), interval, NpcnixCommand.Version.version(), ctx.env()));
    }

    /** The metrics file, or empty without {@code --metrics-file}. */
    Optional<MetricsFile> metrics(CliContext ctx, DataDir dir, Optional<Reporter> reporter) {
        if (metricsFile == null) {
            return Optional.empty();
        }
        return Optional.of(new MetricsFile(metricsFile, dir, ctx.clock(), reporter.<java.util.function.BooleanSupplier>map(r -> r::failing)
                .orElse(null)));
    }

    /** The hooks, or empty when none is given. */
    Optional<Hooks> hooks(CliContext ctx, DataDir dir, Optional<Reporter> reporter) {
        Hooks.Commands commands = new Hooks.Commands(Optional.ofNullable(onSuccess), Optional.ofNullable(onFailure),
                Optional.ofNullable(onRollback), hookTimeout == null ? Hooks.DEFAULT_TIMEOUT : hookTimeout);
        if (!commands.any()) {
            return Optional.empty();
        }
        return Optional.of(new Hooks(commands, dir, ctx.env(), reporter.map(r -> r.hostId().value()).orElse(null)));
    }

    /** Tells the fleet an activation starts, when reports are on. */
    static void reportActivating(Follower follower, Optional<Reporter> reporter) {
        reporter.ifPresent(r -> follower.onPhase(p -> {
            if (p == Follower.Phase.ACTIVATING) {
                r.activating();
            }
        }));
    }
}
