package dev.npcnix.health;

import dev.npcnix.InvalidInputException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Which checks a new release must pass, and how long it gets (the host's {@code health} settings in
 * {@code config.json}). No check configured ({@link #NONE}): releases are activated as they always
 * were, with {@code nixos-rebuild switch} and nothing else.
 *
 * @param systemd check that no systemd unit failed, beyond {@code ignoreUnits} and {@code maxFailedUnits}
 * @param ignoreUnits unit names or globs ({@code *}, {@code ?}) whose failure does not count
 * @param maxFailedUnits failed units (not ignored) that still pass
 * @param urls each must answer 2xx within {@code httpTimeout} (redirects are not followed)
 * @param commands each ({@code sh -c}) must exit 0 within {@code commandTimeout}
 * @param remote the store must still answer a conditional GET for the release
 * @param settle wait this long after the switch before the first round of checks
 * @param deadline from the switch: the checks must all pass before this, or the release is rolled back
 * @param interval between two rounds of checks
 */
public record HealthSettings(boolean systemd, List<String> ignoreUnits, int maxFailedUnits, List<URI> urls,
        Duration httpTimeout, List<String> commands, Duration commandTimeout, boolean remote, Duration settle,
        Duration deadline, Duration interval) {

    public static final Duration DEFAULT_SETTLE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(5);
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_HTTP_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(60);

    /** No checks, default timings. */
    public static final HealthSettings NONE = new HealthSettings(false, List.of(), 0, List.of(), DEFAULT_HTTP_TIMEOUT,
            List.of(), DEFAULT_COMMAND_TIMEOUT, false, DEFAULT_SETTLE, DEFAULT_DEADLINE, DEFAULT_INTERVAL);

    private static final Pattern UNIT = Pattern.compile("[A-Za-z0-9:_.@*?\\\\-]+");

    public HealthSettings {
        ignoreUnits = List.copyOf(ignoreUnits);
        urls = List.copyOf(urls);
        commands = List.copyOf(commands);
        Objects.requireNonNull(httpTimeout, "httpTimeout");
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        Objects.requireNonNull(settle, "settle");
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(interval, "interval");
        if (maxFailedUnits < 0) {
            throw new InvalidInputException("health: max failed units must be 0 or more, not " + maxFailedUnits);
        }
        for (String u : ignoreUnits) {
            if (!UNIT.matcher(u).matches()) {
                throw new InvalidInputException("health: ignored unit '" + u + "': not a unit name or glob");
            }
        }
        for (URI u : urls) {
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                throw new InvalidInputException("health: URL '" + u + "': expected http://HOST/… or https://HOST/…");
            }
        }
        for (String c : commands) {
            if (c.isBlank()) {
                throw new InvalidInputException("health: an empty command");
            }
        }
        for (Duration d : List.of(httpTimeout, commandTimeout, interval)) {
            if (d.isNegative() || d.isZero()) {
                throw new InvalidInputException("health: timeouts and the interval must be positive, not " + d);
            }
        }
        if (settle.isNegative() || deadline.compareTo(settle) < 0) {
            throw new InvalidInputException("health: need 0 <= settle (" + settle + ") <= deadline (" + deadline + ")");
        }
    }

    /** Whether any check is configured: only then is a release tried before it is kept. */
    public boolean any() {
        return systemd || remote || !urls.isEmpty() || !commands.isEmpty();
    }

    /** A URL as written in settings, checked. */
    public static URI url(String text) {
        try {
            return new URI(text.strip());
        } catch (java.net.URISyntaxException e) {
            throw new InvalidInputException("health: URL '" + text + "': " + e.getReason());
        }
    }
}
