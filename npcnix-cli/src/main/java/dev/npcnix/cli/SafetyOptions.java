package dev.npcnix.cli;

import dev.npcnix.health.HealthSettings;
import dev.npcnix.state.Settings;
import dev.npcnix.system.RebootPolicy;
import dev.npcnix.system.RebootSettings;
import dev.npcnix.system.RebootWindow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Safe activation's host options of {@code follow} and {@code bootstrap}: the health checks a release
 * must pass before it is kept, and the reboot policy. Written to config.json at start, like the other
 * host options: the health options given replace the host's health settings as a whole (as do the
 * reboot options, one by one), and with {@code --declarative} options not given are cleared (no checks,
 * never reboot).
 */
final class SafetyOptions {
    @Option(names = "--health-systemd",
            description = "Check: no systemd unit failed after the switch (beyond --health-ignore-unit and --health-max-failed-units).")
    boolean systemd;

    @Option(names = "--health-ignore-unit", paramLabel = "UNIT",
            description = "A unit (or glob: *, ?) whose failure does not count (repeatable).")
    List<String> ignoreUnits = new ArrayList<>();

    @Option(names = "--health-max-failed-units", paramLabel = "N", description = "Failed units that still pass (default 0).")
    Integer maxFailedUnits;

    @Option(names = "--health-url", paramLabel = "URL",
            description = "Check: the URL answers 2xx within --health-http-timeout; redirects are not followed (repeatable).")
    List<String> urls = new ArrayList<>();

    @Option(names = "--health-http-timeout", paramLabel = "DURATION", converter = Durations.class,
            description = "Timeout of each URL check (default 10s).")
    Duration httpTimeout;

    @Option(names = "--health-command", paramLabel = "CMD",
            description = "Check: sh -c CMD exits 0 within --health-command-timeout, else it is killed with its process group (repeatable).")
    List<String> commands = new ArrayList<>();

    @Option(names = "--health-command-timeout", paramLabel = "DURATION", converter = Durations.class,
            description = "Timeout of each command check (default 60s).")
    Duration commandTimeout;

    @Option(names = "--health-remote",
            description = "Check: the store still answers after the switch (a conditional GET of the remote).")
    boolean remote;

    @Option(names = "--health-settle", paramLabel = "DURATION", converter = Durations.class,
            description = "Wait this long after the switch before the first round of checks (default 10s).")
    Duration settle;

    @Option(names = "--health-deadline", paramLabel = "DURATION", converter = Durations.class,
            description = "The checks must all pass within this long after the switch, or the release is rolled back (default 5m).")
    Duration deadline;

    @Option(names = "--health-interval", paramLabel = "DURATION", converter = Durations.class,
            description = "Between two rounds of checks (default 10s).")
    Duration interval;

    @Option(names = "--reboot", paramLabel = "never|when-needed|always",
            description = {"Reboot after a committed release: never (default), when-needed (the kernel, initrd or kernel modules",
                "changed, as system.autoUpgrade.allowReboot decides) or always; the checks run again after the reboot."})
    String reboot;

    @Option(names = "--reboot-window", paramLabel = "HH:MM-HH:MM",
            description = "Reboot only within these hours, local time (e.g. 02:00-04:00); outside them the reboot is pending.")
    String rebootWindow;

    @Option(names = "--no-health-checks",
            description = "This run only: apply releases without the configured health checks (as nixos-rebuild switch does).")
    boolean noHealthChecks;

    private boolean healthGiven() {
        return systemd || remote || !ignoreUnits.isEmpty() || maxFailedUnits != null || !urls.isEmpty() || httpTimeout != null
                || !commands.isEmpty() || commandTimeout != null || settle != null || deadline != null || interval != null;
    }

    /** {@code settings} with the given health and reboot options ({@code declarative}: and every other one cleared). */
    Settings apply(Settings settings, boolean declarative) {
        Settings s = settings;
        if (declarative || healthGiven()) {
            HealthSettings d = HealthSettings.NONE;
            s = s.withHealth(new HealthSettings(systemd, ignoreUnits, maxFailedUnits != null ? maxFailedUnits : d.maxFailedUnits(),
                    urls.stream().map(HealthSettings::url).toList(), httpTimeout != null ? httpTimeout : d.httpTimeout(), commands,
                    commandTimeout != null ? commandTimeout : d.commandTimeout(), remote, settle != null ? settle : d.settle(),
                    deadline != null ? deadline : d.deadline(), interval != null ? interval : d.interval()));
        }
        if (declarative || reboot != null || rebootWindow != null) {
            RebootSettings kept = declarative ? RebootSettings.NEVER : s.reboot();
            s = s.withReboot(new RebootSettings(reboot != null ? RebootPolicy.parse(reboot) : kept.policy(),
                    rebootWindow != null ? Optional.of(RebootWindow.parse(rebootWindow)) : kept.window()));
        }
        return s;
    }
}
