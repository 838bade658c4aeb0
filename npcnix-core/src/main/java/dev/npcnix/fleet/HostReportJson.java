package dev.npcnix.fleet;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.json.Json;
import dev.npcnix.status.HostStatus;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A report as JSON, schema 1 (docs/operations.md): snake_case keys in a fixed order, lowercase values,
 * ISO-8601 times, null fields left out. Reading ignores unknown fields, so a newer host's report still
 * reads; a document without {@code schema} 1 or a host id is not a report.
 */
public final class HostReportJson {
    public static final int SCHEMA = 1;

    private HostReportJson() {
    }

    public static byte[] write(HostReport r) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("schema", SCHEMA);
            Json.field(g, "host_id", r.hostId());
            Json.field(g, "remote", r.remote());
            Json.field(g, "configuration", r.configuration());
            Json.field(g, "state", r.state().json());
            if (r.applied() != null) {
                g.writeObjectFieldStart("applied");
                release(g, r.applied().release());
                Json.field(g, "configuration", r.applied().configuration());
                Json.field(g, "at", r.applied().at());
                g.writeEndObject();
            }
            if (r.target() != null) {
                g.writeObjectFieldStart("target");
                release(g, r.target());
                g.writeEndObject();
            }
            if (r.lastPoll() != null) {
                g.writeObjectFieldStart("last_poll");
                Json.field(g, "outcome", r.lastPoll().outcome());
                Json.field(g, "error_class", r.lastPoll().errorClass());
                Json.field(g, "message", r.lastPoll().message());
                g.writeEndObject();
            }
            if (r.lastAttempt() != null) {
                g.writeObjectFieldStart("last_attempt");
                Json.field(g, "started_at", r.lastAttempt().startedAt());
                Json.field(g, "result", r.lastAttempt().result());
                Json.field(g, "etag", r.lastAttempt().etag());
                Json.field(g, "error_class", r.lastAttempt().errorClass());
                Json.field(g, "message", r.lastAttempt().message());
                g.writeEndObject();
            }
            g.writeArrayFieldStart("quarantined");
            for (HostReport.Quarantined q : r.quarantined()) {
                g.writeStartObject();
                Json.field(g, "etag", q.etag());
                Json.field(g, "sha256", q.sha256());
                Json.field(g, "configuration", q.configuration());
                Json.field(g, "at", q.at());
                Json.field(g, "reason", q.reason());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeBooleanField("paused", r.paused());
            Json.field(g, "paused_until", r.pausedUntil());
            if (r.generations() != null) {
                g.writeObjectFieldStart("generations");
                Json.field(g, "current", r.generations().current());
                Json.field(g, "booted", r.generations().booted());
                g.writeEndObject();
            }
            Json.field(g, "npcnix_version", r.npcnixVersion());
            g.writeNumberField("report_interval_secs", r.reportInterval().toSeconds());
            Json.field(g, "reported_at", r.reportedAt());
            g.writeEndObject();
        });
    }

    private static void release(JsonGenerator g, HostReport.ReleaseRef release) throws IOException {
        Json.field(g, "etag", release.etag());
        Json.field(g, "sha256", release.sha256());
        if (release.sequence() > 0) {
            g.writeNumberField("sequence", release.sequence());
        }
    }

    /**
     * Parses a report. Malformed JSON is an IOException; a field of the wrong type, a missing host id or
     * schema, an IllegalArgumentException naming it.
     */
    public static HostReport read(byte[] bytes) throws IOException {
        Map<?, ?> o = Json.object(Json.parse(bytes), "report");
        if (Json.number(o, "schema") != SCHEMA) {
            throw new IllegalArgumentException("schema: expected " + SCHEMA + ", got " + o.get("schema"));
        }
        String id = Json.text(o, "host_id");
        if (id == null) {
            throw new IllegalArgumentException("host_id: missing");
        }
        Map<?, ?> applied = optionalObject(o, "applied");
        Map<?, ?> target = optionalObject(o, "target");
        Map<?, ?> poll = optionalObject(o, "last_poll");
        Map<?, ?> attempt = optionalObject(o, "last_attempt");
        Map<?, ?> generations = optionalObject(o, "generations");
        List<HostReport.Quarantined> quarantined = Json.list(o, "quarantined", q -> {
            Map<?, ?> m = Json.object(q, "quarantined[]");
            return new HostReport.Quarantined(Etag.parse(Json.text(m, "etag")), Json.text(m, "sha256"),
                    configuration(m), Json.instant(m, "at"), Json.text(m, "reason"));
        });
        String remote = Json.text(o, "remote");
        String state = Json.text(o, "state");
        Object paused = o.get("paused");
        return new HostReport(
                new HostId(id),
                remote == null ? null : RemoteUri.parse(remote),
                configuration(o),
                state == null ? HostStatus.State.IN_SYNC : parseState(state),
                applied == null ? null : new HostReport.Applied(release(applied), configuration(applied), Json.instant(applied, "at")),
                target == null ? null : release(target),
                poll == null ? null : new HostReport.LastPoll(Json.text(poll, "outcome"),
                        Json.enumValue(ErrorClass.class, "last_poll.error_class", Json.text(poll, "error_class")),
                        Json.text(poll, "message")),
                attempt == null ? null : new HostReport.LastAttempt(Json.instant(attempt, "started_at"),
                        Json.text(attempt, "result"), Etag.parse(Json.text(attempt, "etag")),
                        Json.enumValue(ErrorClass.class, "last_attempt.error_class", Json.text(attempt, "error_class")),
                        Json.text(attempt, "message")),
                quarantined,
                Boolean.TRUE.equals(paused),
                Json.instant(o, "paused_until"),
                generations == null ? null : new HostReport.Generations(Json.text(generations, "current"),
                        Json.text(generations, "booted")),
                Json.text(o, "npcnix_version"),
                Duration.ofSeconds(Json.number(o, "report_interval_secs")),
                requireInstant(o, "reported_at"));
    }

    private static HostStatus.State parseState(String state) {
        try {
            return HostStatus.State.parse(state);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("state: unknown value '" + state + "'", e);
        }
    }

    private static java.time.Instant requireInstant(Map<?, ?> o, String field) {
        java.time.Instant at = Json.instant(o, field);
        if (at == null) {
            throw new IllegalArgumentException(field + ": missing");
        }
        return at;
    }

    private static Map<?, ?> optionalObject(Map<?, ?> o, String field) {
        Object v = o.get(field);
        return v == null ? null : Json.object(v, field);
    }

    private static HostReport.ReleaseRef release(Map<?, ?> m) {
        return new HostReport.ReleaseRef(Etag.parse(Json.text(m, "etag")), Json.text(m, "sha256"), Json.number(m, "sequence"));
    }

    private static ConfigurationName configuration(Map<?, ?> m) {
        String c = Json.text(m, "configuration");
        try {
            return c == null ? null : ConfigurationName.of(c);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("configuration: " + e.getMessage(), e);
        }
    }
}
