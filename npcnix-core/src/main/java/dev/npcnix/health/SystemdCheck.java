package dev.npcnix.health;

import dev.npcnix.local.Subprocess;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * No failed systemd unit beyond the ignored ones and the budget: {@code systemctl list-units
 * --state=failed --plain --no-legend --no-pager}, the first word of each line being the unit.
 */
final class SystemdCheck implements Check {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String systemctl;
    private final Map<String, String> environment;
    private final List<Pattern> ignored;
    private final int budget;

    SystemdCheck(String systemctl, Map<String, String> environment, List<String> ignoreUnits, int budget) {
        this.systemctl = systemctl;
        this.environment = Map.copyOf(environment);
        this.ignored = ignoreUnits.stream().map(SystemdCheck::glob).toList();
        this.budget = budget;
    }

    @Override
    public String name() {
        return "systemd";
    }

    @Override
    public CheckResult run(Clock clock) {
        Subprocess.Result r;
        List<String> lines = new ArrayList<>(); // all of them: the kept last lines would cut a long list
        try {
            r = Subprocess.run(List.of(systemctl, "list-units", "--state=failed", "--plain", "--no-legend", "--no-pager"),
                    environment, Optional.of(TIMEOUT), false, line -> {
                        synchronized (lines) {
                            lines.add(line);
                        }
                    });
        } catch (IOException e) {
            return new CheckResult(name(), false, systemctl + ": cannot run: " + e.getMessage(), clock.instant());
        }
        if (!r.ok()) {
            return new CheckResult(name(), false, systemctl + (r.timedOut() ? " timed out" : " exited " + r.exitCode()) + r.tail(),
                    clock.instant());
        }
        List<String> failed = new ArrayList<>();
        int ignoredCount = 0;
        for (String line : List.copyOf(lines)) {
            String unit = line.strip().replaceFirst("^[●*x×]\\s*", "").split("\\s+", 2)[0];
            if (unit.isEmpty()) {
                continue;
            }
            if (ignored.stream().anyMatch(p -> p.matcher(unit).matches())) {
                ignoredCount++;
            } else {
                failed.add(unit);
            }
        }
        String ignoredNote = ignoredCount > 0 ? " (" + ignoredCount + " ignored)" : "";
        if (failed.isEmpty()) {
            return new CheckResult(name(), true, "no failed units" + ignoredNote, clock.instant());
        }
        String detail = failed.size() + " failed unit" + (failed.size() == 1 ? "" : "s") + ": " + String.join(", ", failed)
                + ignoredNote + (budget > 0 ? " (at most " + budget + " allowed)" : "");
        return new CheckResult(name(), failed.size() <= budget, detail, clock.instant());
    }

    /** A unit glob ({@code *}, {@code ?}) as a pattern; everything else literal. */
    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
