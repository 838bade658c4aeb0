package dev.npcnix.cli;

import dev.npcnix.daemon.ExitPolicy;
import dev.npcnix.daemon.FollowLoop;
import dev.npcnix.daemon.Shutdown;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "follow", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run as the daemon: poll the remote, and activate each new release.",
            "Polls every min-sleep-secs right after a change, rising to max-sleep-secs over max-sleep-after-hours, "
                + "with random jitter; backs off exponentially while the store fails. SIGTERM never interrupts a running "
                + "nixos-rebuild (a second SIGTERM does)."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  npcnix follow --once=activate          # as the systemd unit runs it",
            "  npcnix follow --once --dry-run --remote file:///srv/npcnix/dev.npcnix --configuration web"})
final class FollowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption dataDir;

    @Option(names = "--once", arity = "0..1", paramLabel = "any|activate", fallbackValue = "any",
            description = {"Stop after the first poll that finds the host up to date or activates (any, the default),",
                "or after the first activation (activate). A one-shot run exits 1 on a release that fails."})
    String once;

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

    @Override
    public Integer call() throws InterruptedException {
        NpcnixCommand root = NpcnixCommand.root(spec);
        CliContext ctx = root.ctx;
        ExitPolicy policy = ExitPolicy.parse(once);
        DataDir dataDir = root.openDataDir();
        Settings settings = safety.apply(host.apply(dataDir.loadSettings(), storeOptions), host.declarative);
        return root.runHost(dataDir, settings, storeOptions, activation, ignoreEtag, !safety.noHealthChecks, follower -> {
            Shutdown shutdown = new Shutdown(follower::phase, ctx.exitNow());
            follower.onPhase(shutdown::entered);
            ctx.signals().accept(shutdown);
            startLine(settings, policy).ifPresent(ctx.err()::println);
            PollOutcome[] last = {null};
            int code = new FollowLoop(follower, dataDir, ctx.clock(), ctx.random(),
                    ctx.sleeper().orElse(shutdown.sleeper()), shutdown::isRequested, policy)
                    .observe(outcome -> last[0] = outcome).run();
            if (policy == ExitPolicy.ANY && last[0] instanceof PollOutcome.Unchanged unchanged) {
                ctx.out().println("up to date: release " + unchanged.etag() + " of " + settings.remote().map(Object::toString).orElse("?")
                        + " (" + settings.configuration().map(Object::toString).orElse("?") + ")");
            }
            return code;
        });
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
