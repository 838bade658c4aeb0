package dev.npcnix.state;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import dev.npcnix.ConfigurationName;
import dev.npcnix.health.HealthSettings;
import dev.npcnix.store.Etag;
import dev.npcnix.system.RebootPolicy;
import dev.npcnix.system.RebootSettings;
import dev.npcnix.system.RebootWindow;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code config.json} in the Rust npcnix's exact shape: its field order, {@code null} for absent
 * optional values, RFC 3339 UTC timestamps, {@code paused} omitted unless paused and tagged by
 * {@code type}. Our own fields come after and are written only when set, so the Rust tool (which
 * ignores unknown fields) and we read each other's files.
 */
final class SettingsJson {
    private SettingsJson() {
    }

    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"))
            .withSeparators(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER));

    static byte[] write(Settings s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (JsonGenerator g = Json.FACTORY.createGenerator(bytes)) {
            g.setPrettyPrinter(PRETTY);
            g.writeStartObject();
            g.writeStringField("remote", s.remote().map(RemoteUri::toString).orElse(null));
            g.writeStringField("remote_region", s.remoteRegion().orElse(null));
            g.writeStringField("configuration", s.configuration().map(ConfigurationName::value).orElse(null));
            g.writeStringField("last_reconfiguration", s.lastReconfiguration().toString());
            g.writeStringField("last_etag", s.lastEtag().map(Etag::value).orElse(""));
            g.writeStringField("last_configuration", s.lastConfiguration().map(ConfigurationName::value).orElse(""));
            g.writeNumberField("min_sleep_secs", s.minSleepSecs());
            g.writeNumberField("max_sleep_secs", s.maxSleepSecs());
            g.writeNumberField("max_sleep_after_hours", s.maxSleepAfterHours());
            if (s.paused().isPresent()) {
                g.writeObjectFieldStart("paused");
                if (s.paused().get() instanceof Pause.Until until) {
                    g.writeStringField("type", "until");
                    g.writeStringField("until", until.until().toString());
                } else {
                    g.writeStringField("type", "indefinitely");
                }
                g.writeEndObject();
            }
            writeList(g, "extra_substituters", s.extraSubstituters());
            writeList(g, "extra_trusted_public_keys", s.extraTrustedPublicKeys());
            writeList(g, "trusted_public_keys", s.trustedPublicKeys());
            if (s.s3Endpoint().isPresent()) {
                g.writeStringField("s3_endpoint", s.s3Endpoint().get());
            }
            if (!s.tags().isEmpty()) { // absent when none: files of hosts without tags stay as they were
                writeList(g, "tags", s.tags());
            }
            if (!s.health().equals(HealthSettings.NONE)) {
                writeHealth(g, s.health());
            }
            if (!s.reboot().equals(RebootSettings.NEVER)) {
                g.writeObjectFieldStart("reboot");
                g.writeStringField("policy", s.reboot().policy().arg());
                if (s.reboot().window().isPresent()) {
                    g.writeStringField("window", s.reboot().window().get().toString());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeRaw('\n');
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise settings", e);
        }
        return bytes.toByteArray();
    }

    private static void writeHealth(JsonGenerator g, HealthSettings h) throws IOException {
        g.writeObjectFieldStart("health");
        g.writeBooleanField("systemd", h.systemd());
        writeList(g, "ignore_units", h.ignoreUnits());
        g.writeNumberField("max_failed_units", h.maxFailedUnits());
        writeList(g, "urls", h.urls().stream().map(URI::toString).toList());
        writeSeconds(g, "http_timeout_secs", h.httpTimeout());
        writeList(g, "commands", h.commands());
        writeSeconds(g, "command_timeout_secs", h.commandTimeout());
        g.writeBooleanField("remote", h.remote());
        writeSeconds(g, "settle_secs", h.settle());
        writeSeconds(g, "deadline_secs", h.deadline());
        writeSeconds(g, "interval_secs", h.interval());
        g.writeEndObject();
    }

    private static void writeSeconds(JsonGenerator g, String field, Duration d) throws IOException {
        if (d.toNanos() % 1_000_000_000L == 0) {
            g.writeNumberField(field, d.toSeconds());
        } else {
            g.writeNumberField(field, BigDecimal.valueOf(d.toMillis()).movePointLeft(3));
        }
    }

    private static void writeList(JsonGenerator g, String field, List<String> values) throws IOException {
        if (!values.isEmpty()) {
            g.writeArrayFieldStart(field);
            for (String v : values) {
                g.writeString(v);
            }
            g.writeEndArray();
        }
    }

    /** Parses the file's bytes; {@code IllegalArgumentException} says what is wrong with which field. */
    static Settings read(byte[] bytes) {
        Object parsed;
        try {
            parsed = Json.parse(bytes);
        } catch (java.io.IOException e) { // Json.Malformed: says where
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> o)) {
            throw new IllegalArgumentException("not a JSON object");
        }
        Settings d = Settings.empty();
        return new Settings(
                text(o, "remote").map(RemoteUri::parse),
                text(o, "remote_region"),
                text(o, "configuration").map(ConfigurationName::of),
                text(o, "last_reconfiguration").map(SettingsJson::instant).orElse(Instant.EPOCH),
                text(o, "last_etag").map(Etag::parse),
                text(o, "last_configuration").filter(c -> !c.isEmpty()).map(ConfigurationName::of),
                number(o, "min_sleep_secs", d.minSleepSecs()),
                number(o, "max_sleep_secs", d.maxSleepSecs()),
                number(o, "max_sleep_after_hours", d.maxSleepAfterHours()),
                pause(o.get("paused")),
                list(o, "extra_substituters"),
                list(o, "extra_trusted_public_keys"),
                list(o, "trusted_public_keys"),
                text(o, "s3_endpoint"),
                health(o.get("health")),
                reboot(o.get("reboot")),
                list(o, "tags"));
    }

    private static HealthSettings health(Object n) {
        if (n == null) {
            return HealthSettings.NONE;
        }
        Map<?, ?> h = Json.object(n, "health");
        HealthSettings d = HealthSettings.NONE;
        return new HealthSettings(
                flag(h, "health.systemd"),
                list(h, "ignore_units"),
                (int) number(h, "max_failed_units", d.maxFailedUnits()),
                list(h, "urls").stream().map(HealthSettings::url).toList(),
                seconds(h, "http_timeout_secs", d.httpTimeout()),
                list(h, "commands"),
                seconds(h, "command_timeout_secs", d.commandTimeout()),
                flag(h, "health.remote"),
                seconds(h, "settle_secs", d.settle()),
                seconds(h, "deadline_secs", d.deadline()),
                seconds(h, "interval_secs", d.interval()));
    }

    private static boolean flag(Map<?, ?> o, String name) {
        Object v = o.get(name.substring(name.indexOf('.') + 1));
        if (v == null) {
            return false;
        }
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException(name + ": expected true or false, got " + Json.typeName(v));
        }
        return b;
    }

    private static Duration seconds(Map<?, ?> o, String field, Duration fallback) {
        Object v = o.get(field);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || n.doubleValue() < 0) {
            throw new IllegalArgumentException("health." + field + ": expected a non-negative number of seconds, got " + v);
        }
        return Duration.ofMillis(new BigDecimal(n.toString()).movePointRight(3).longValue());
    }

    private static RebootSettings reboot(Object n) {
        if (n == null) {
            return RebootSettings.NEVER;
        }
        Map<?, ?> r = Json.object(n, "reboot");
        return new RebootSettings(
                text(r, "policy").map(RebootPolicy::parse).orElse(RebootPolicy.NEVER),
                text(r, "window").map(RebootWindow::parse));
    }

    private static Optional<String> text(Map<?, ?> o, String field) {
        Object n = o.get(field);
        if (n == null) {
            return Optional.empty();
        }
        if (!(n instanceof String text)) {
            throw new IllegalArgumentException(field + ": expected a string, got " + Json.typeName(n));
        }
        return Optional.of(text).filter(t -> !t.isEmpty() || field.startsWith("last_"));
    }

    private static long number(Map<?, ?> o, String field, long fallback) {
        Object n = o.get(field);
        if (n == null) {
            return fallback;
        }
        long value;
        if (n instanceof Long l) {
            value = l;
        } else if (n instanceof Double d && d >= Long.MIN_VALUE && d <= Long.MAX_VALUE) {
            value = d.longValue();
        } else {
            value = -1;
        }
        if (value < 0) {
            throw new IllegalArgumentException(field + ": expected a non-negative whole number, got " + n);
        }
        return value;
    }

    private static List<String> list(Map<?, ?> o, String field) {
        Object n = o.get(field);
        if (n == null) {
            return List.of();
        }
        if (!(n instanceof List<?> values)) {
            throw new IllegalArgumentException(field + ": expected a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object v : values) {
            out.add(v == null ? "null" : String.valueOf(v));
        }
        return out;
    }

    private static Optional<Pause> pause(Object n) {
        if (n == null) {
            return Optional.empty();
        }
        Map<?, ?> p = n instanceof Map<?, ?> m ? m : Map.of();
        String type = p.get("type") instanceof String t ? t : "";
        return switch (type) {
            case "indefinitely" -> Optional.of(new Pause.Indefinitely());
            case "until" -> Optional.of(new Pause.Until(instant(p.get("until") instanceof String u ? u : "")));
            default -> throw new IllegalArgumentException("paused: unknown type '" + type + "' (expected indefinitely or until)");
        };
    }

    private static Instant instant(String text) {
        try {
            return java.time.OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not an RFC 3339 timestamp", e);
        }
    }
}
