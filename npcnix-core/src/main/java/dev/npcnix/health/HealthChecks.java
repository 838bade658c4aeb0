package dev.npcnix.health;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The checks a host's {@link HealthSettings} configure, ready to run: {@link #runAll} runs each once, in
 * a fixed order (systemd, URLs, commands, remote), and returns every result; it never throws for what
 * it finds.
 */
public final class HealthChecks {
    private final List<Check> checks;

    private HealthChecks(List<Check> checks) {
        this.checks = List.copyOf(checks);
    }

    /**
     * @param environment what commands (and {@code systemctl}) run with
     * @param systemctl the {@code systemctl} executable
     * @param remote asks the store about the release (used when {@code settings.remote()})
     */
    public static HealthChecks of(HealthSettings settings, Map<String, String> environment, String systemctl,
            RemoteProbe remote) {
        List<Check> checks = new ArrayList<>();
        if (settings.systemd()) {
            checks.add(new SystemdCheck(systemctl, environment, settings.ignoreUnits(), settings.maxFailedUnits()));
        }
        settings.urls().forEach(u -> checks.add(new HttpCheck(u, settings.httpTimeout())));
        settings.commands().forEach(c -> checks.add(new CommandCheck(c, settings.commandTimeout(), environment)));
        if (settings.remote()) {
            checks.add(new RemoteCheck(remote));
        }
        return new HealthChecks(checks);
    }

    public boolean isEmpty() {
        return checks.isEmpty();
    }

    /** Runs every check once. */
    public List<CheckResult> runAll(Clock clock) {
        List<CheckResult> results = new ArrayList<>(checks.size());
        for (Check c : checks) {
            results.add(c.run(clock));
        }
        return results;
    }

    /** Whether every result passed. */
    public static boolean allPassed(List<CheckResult> results) {
        return results.stream().allMatch(CheckResult::passed);
    }

    /** The names of the failed checks, in order. */
    public static List<String> failing(List<CheckResult> results) {
        return results.stream().filter(r -> !r.passed()).map(CheckResult::name).toList();
    }
}
