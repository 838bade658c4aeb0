package dev.npcnix.cli;

import dev.npcnix.StateException;
import dev.npcnix.follow.Sleeper;
import dev.npcnix.health.CheckResult;
import dev.npcnix.health.HealthChecks;
import dev.npcnix.health.HealthSettings;
import dev.npcnix.health.RemoteProbe;
import dev.npcnix.json.Json;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.state.HostStateJson;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.system.NixosSystem;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "check", mixinStandardHelpOptions = true, addMethodSubcommands = false, sortOptions = false,
        description = {
            "Run this host's health checks once, now, and print each result (exit 0 when all pass, 1 when one fails).",
            "With --boot: wait until the daemon has judged this boot (the unit the NixOS module orders before "
                + "boot-complete.target runs it, so systemd-boot's boot counting marks a boot good only when the checks passed): "
                + "exit 0 when they passed, or when there is nothing to judge (no checks, nothing applied yet)."},
        footerHeading = "%nExamples:%n",
        footer = {"  npcnix check", "  npcnix check --json", "  npcnix check --boot --timeout 20m"})
final class CheckCommand implements Callable<Integer> {
    private static final Duration BOOT_POLL = Duration.ofSeconds(2);

    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption dataDir;

    @Option(names = "--boot", description = "Wait for the daemon's verdict on this boot instead of running the checks.")
    boolean boot;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "15m", converter = Durations.class,
            description = "With --boot: give up (exit 1) after this long (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Mixin
    StoreOptions storeOptions;

    @Override
    public Integer call() throws InterruptedException {
        NpcnixCommand root = NpcnixCommand.root(spec);
        DataDir dir = root.existingDataDir();
        if (!dir.settingsExist()) {
            throw new StateException("data dir " + dir.root() + ": not bootstrapped (no config.json; run npcnix bootstrap)");
        }
        Settings settings = dir.loadSettings();
        HealthSettings health = settings.health();
        NixosSystem system = NixosSystem.fromEnvironment(root.ctx.env(), Optional.empty());
        if (boot) {
            return bootVerdict(root, dir, settings, system);
        }
        PrintWriter out = root.ctx.out();
        List<CheckResult> results;
        if (!health.any()) {
            results = List.of();
        } else {
            try (RemoteStores stores = root.stores(storeOptions.settings(root.ctx.env(), settings))) {
                results = HealthChecks.of(health, root.ctx.env(), system.systemctl(),
                        RemoteProbe.conditionalGet(stores, settings.remote(), settings.lastEtag())).runAll(root.ctx.clock());
            }
        }
        boolean passed = HealthChecks.allPassed(results);
        if (json) {
            out.println(Json.writeString(g -> {
                g.writeStartObject();
                g.writeNumberField("schema", StatusCommand.SCHEMA);
                g.writeBooleanField("passed", passed);
                HostStateJson.writeChecks(g, "checks", results);
                g.writeEndObject();
            }));
        } else if (results.isEmpty()) {
            out.println("no health checks configured (see npcnix follow --help: --health-*)");
        } else {
            for (CheckResult r : results) {
                out.println(StatusCommand.checkLine(r));
            }
        }
        return passed ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    /** Waits until {@code state.json} holds the daemon's verdict on this boot. */
    private int bootVerdict(NpcnixCommand root, DataDir dir, Settings settings, NixosSystem system) throws InterruptedException {
        PrintWriter err = root.ctx.err();
        if (!settings.health().any() || settings.lastEtag().isEmpty()) {
            err.println("npcnix: check --boot: nothing to judge (" + (settings.health().any() ? "nothing applied yet" : "no health checks")
                    + "): this boot is good");
            return ExitCodes.OK;
        }
        String bootId = system.bootId();
        HostState.Pending pending = dir.loadState().pending();
        if (pending != null && bootId.equals(pending.bootId())) {
            // a trial (or a reboot it waits for) began in this boot, so a switch started this, not a boot; the
            // daemon judges boots only between trials: waiting here would wait for the trial that waits for us
            err.println("npcnix: check --boot: a trial is in progress in this boot (a switch started this, not a boot): nothing to judge");
            return ExitCodes.OK;
        }
        Sleeper sleeper = root.ctx.sleeper().orElse(Sleeper.system());
        Instant deadline = root.ctx.clock().instant().plus(timeout);
        err.println("npcnix: check --boot: waiting for the daemon's checks of this boot (" + bootId + ")");
        while (true) {
            HostState.BootCheck verdict = dir.loadState().bootCheck();
            if (verdict != null && bootId.equals(verdict.bootId())) {
                root.ctx.out().println("this boot: checks " + (verdict.passed() ? "passed" : "failed") + " at " + verdict.at()
                        + (verdict.system() == null ? "" : " (" + verdict.system() + ")"));
                return verdict.passed() ? ExitCodes.OK : ExitCodes.FAILURE;
            }
            if (!root.ctx.clock().instant().isBefore(deadline)) {
                err.println("npcnix: check --boot: the daemon did not judge this boot within " + Durations.format(timeout)
                        + " (is npcnix.service running? journalctl -u npcnix)");
                return ExitCodes.FAILURE;
            }
            sleeper.sleep(BOOT_POLL);
        }
    }
}
