package dev.npcnix.cli;

import dev.npcnix.InvalidInputException;
import dev.npcnix.daemon.ExitPolicy;
import dev.npcnix.daemon.FollowLoop;
import dev.npcnix.daemon.Shutdown;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.FollowerLock;
import dev.npcnix.state.Settings;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "follow", mixinStandardHelpOptions = true, addMethodSubcommands = false, sortOptions = false,
        description = {
            "Run as the daemon: poll the remote, and activate each new release.",
            "Polls every min-sleep-secs right after a change, rising to max-sleep-secs over max-sleep-after-hours, "
                + "with random jitter; backs off exponentially while the store fails. One follower per data dir: a second "
                + "one exits 3 naming the first one's PID; a host not bootstrapped exits 3 at once. SIGTERM never "
                + "interrupts a running nixos-rebuild (a second SIGTERM does); a rebuild stopped anyway is tried again at "
                + "the next start, never quarantined."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  npcnix follow --once=activate          # as the systemd unit runs it",
            "  npcnix follow --once=activate --timeout 30m",
            "  npcnix follow --once --dry-run --remote file:///srv/npcnix/dev.npcnix --configuration web"})
final class FollowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption dataDir;

    @Option(names = "--once", arity = "0..1", paramLabel = "any|activate", fallbackValue = "any",
            description = {"One poll (any, the default): exit 0 when the host is up to date, activated or paused, 1 when",
                "the poll failed (the error is printed). Or poll until the first activation (activate), retrying",
                "failures with backoff and logging each with the time of the next try; see --timeout."})
    String once;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class,
            description = {"With --once=activate: give up (exit 1, naming the last poll) when nothing was activated within DURATION,",
                "e.g. 30m. Default: wait as long as it takes (what the systemd unit wants)."})
    Duration timeout;

    @Option(names = "--ignore-etag", description = "Download and activate on the first poll even if the release was applied already.")
    boolean ignoreEtag;

    @Mixin
    HostOptions host;

    @Mixin
    StoreOptions storeOptions;

    @Mixin
    ActivationOptions activation;

    @Mixin
    SafetyOptions safety;

    @Mixin
    FleetOptions fleet;

    @Override
    public Integer call() throws InterruptedException {
        NpcnixCommand root = NpcnixCommand.root(spec);
        CliContext ctx = root.ctx;
        ExitPolicy policy = ExitPolicy.parse(once);
        if (timeout != null && policy != ExitPolicy.ACTIVATE) {
            throw new InvalidInputException("--timeout: only with --once=activate (--once is one poll, and without --once"
                    + " follow runs until stopped)");
        }
        // Checked before anything is written: a follow that cannot follow leaves the data dir as it was.
        fleet.validate();
        DataDir existing = root.existingDataDir();
        Settings settings = existing.requireBootstrapped(safety.apply(host.apply(existing.loadSettings(), storeOptions),
                host.declarative));
        DataDir dataDir = root.openDataDir();
        try (FollowerLock one = dataDir.lockFollower()) {
            return root.runHost(dataDir, settings, storeOptions, activation, ignoreEtag, !safety.noHealthChecks,
                    Optional.ofNullable(fleet.hostId), (follower, stores) -> {
                Shutdown shutdown = new Shutdown(follower::phase, ctx.exitNow());
                follower.stopRequestedBy(shutdown::isRequested);
                follower.onPhase(shutdown::entered);
                shutdown.onRequest(follower::stopRequestedNow);
                ctx.signals().accept(shutdown);
                startLine(settings, policy).ifPresent(ctx.err()::println);
                PollOutcome[] last = {null};
                FollowLoop loop = new FollowLoop(follower, dataDir, ctx.clock(), ctx.random(),
                        ctx.sleeper().orElse(shutdown.sleeper()), shutdown::isRequested, policy)
                        .timeout(Optional.ofNullable(timeout))
                        .observe(outcome -> last[0] = outcome);
                // After the record, in this order: the report (what the fleet sees), the metrics file, the hooks.
                var reporter = fleet.reporter(ctx, dataDir, stores, activation.dryRun);
                reporter.ifPresent(r -> loop.observe(r::afterPoll));
                FleetOptions.reportActivating(follower, reporter);
                fleet.metrics(ctx, dataDir, reporter).ifPresent(m -> loop.observe(m::afterPoll));
                fleet.hooks(ctx, dataDir, reporter).ifPresent(h -> loop.observe(h::afterPoll));
                int code = loop.run();
                if (policy == ExitPolicy.ANY && last[0] != null) {
                    report(ctx, settings, last[0]);
                }
                return code;
            });
        }
    }

    /**
     * What a one-shot run found: "up to date" or "waiting for wave k" on stdout; a pause or a failure as
     * one line on stderr.
     */
    private static void report(CliContext ctx, Settings settings, PollOutcome outcome) {
        if (outcome instanceof PollOutcome.Unchanged unchanged) {
            ctx.out().println("up to date: release " + unchanged.etag() + " of " + settings.remote().map(Object::toString).orElse("?")
                    + " (" + settings.configuration().map(Object::toString).orElse("?") + ")");
        } else if (outcome instanceof PollOutcome.Waiting waiting) {
            ctx.out().println("release " + waiting.release().shortId() + " of " + waiting.release().remote() + ": " + waiting.describe());
        } else if (!(outcome instanceof PollOutcome.Activated)) {
            ctx.err().println("npcnix: " + outcome.summary());
        }
    }

    /** What the daemon follows and how often it asks, said once at start; nothing when it follows nothing yet. */
    private Optional<String> startLine(Settings s, ExitPolicy policy) {
        if (s.remote().isEmpty() || s.configuration().isEmpty()) {
            return Optional.empty();
        }
        String how = switch (policy) {
            case ANY -> "polling until up to date (--once)";
            case ACTIVATE -> "polling every " + interval(s) + " until the first activation (--once=activate)";
            case NEVER -> "polling every " + interval(s);
        };
        return Optional.of("npcnix: following " + s.remote().get() + " as " + s.configuration().get() + ", " + how
                + (activation.dryRun ? ", dry run" : ""));
    }

    private static String interval(Settings s) {
        return Durations.format(Duration.ofSeconds(s.minSleepSecs())) + " to " + Durations.format(Duration.ofSeconds(s.maxSleepSecs()))
                + " (with jitter)";
    }
}
