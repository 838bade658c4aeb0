package dev.npcnix.health;

import java.time.Instant;
import java.util.Objects;

/**
 * What one check found.
 *
 * @param name which check: {@code systemd}, {@code http <url>}, {@code command <cmd>}, {@code remote}
 * @param passed whether the host passed it
 * @param detail one line saying what was seen ({@code HTTP 503}, {@code 2 failed units: a.service, b.service})
 * @param at when it ran
 */
public record CheckResult(String name, boolean passed, String detail, Instant at) {
    public CheckResult {
        Objects.requireNonNull(name, "name");
        detail = detail == null ? "" : detail;
    }

    /** {@code name: detail} for logs and messages. */
    @Override
    public String toString() {
        return name + (passed ? " passed" : " failed") + (detail.isEmpty() ? "" : ": " + detail);
    }
}
