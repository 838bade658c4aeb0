package dev.npcnix.rollout;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.npcnix.InvalidInputException;
import dev.npcnix.json.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The policy as JSON, the same in {@code publish --rollout FILE}, in the signed manifest's {@code rollout}
 * field and in {@code <remote>.rollout.json}: snake_case keys, durations in seconds as {@code config.json}
 * has them. Unknown fields are refused: a misspelt {@code failure_budget} must not silently become 0.
 */
public final class RolloutPolicyJson {
    private static final List<String> POLICY_FIELDS = List.of("schema", "waves", "max_in_flight", "on_halt", "lease_ttl_secs",
            "host_timeout_secs");
    private static final List<String> WAVE_FIELDS = List.of("tags", "percent", "soak_secs", "failure_budget");

    private RolloutPolicyJson() {
    }

    /** Writes the policy as one object value (fields in a fixed order: it is signed inside a manifest). */
    public static void write(JsonGenerator g, RolloutPolicy p) throws IOException {
        g.writeStartObject();
        g.writeNumberField("schema", 1);
        g.writeArrayFieldStart("waves");
        for (RolloutPolicy.Wave w : p.waves()) {
            g.writeStartObject();
            if (w.tags().isEmpty()) {
                if (w.percent() == Math.rint(w.percent())) {
                    g.writeNumberField("percent", (long) w.percent());
                } else {
                    g.writeNumberField("percent", w.percent());
                }
            } else {
                g.writeArrayFieldStart("tags");
                for (String t : w.tags()) {
                    g.writeString(t);
                }
                g.writeEndArray();
            }
            g.writeNumberField("soak_secs", w.soak().toSeconds());
            g.writeNumberField("failure_budget", w.failureBudget());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberField("max_in_flight", p.maxInFlight());
        Json.field(g, "on_halt", p.onHalt());
        g.writeNumberField("lease_ttl_secs", p.leaseTtl().toSeconds());
        g.writeNumberField("host_timeout_secs", p.hostTimeout().toSeconds());
        g.writeEndObject();
    }

    public static byte[] toJson(RolloutPolicy p) {
        return Json.write(g -> write(g, p));
    }

    /** A policy file's bytes; {@code what} names it in errors. */
    public static RolloutPolicy parse(byte[] json, String what) {
        try {
            return fromValue(Json.parse(json), what);
        } catch (IOException e) {
            throw new InvalidInputException(what + ": not JSON: " + e.getMessage(), e);
        }
    }

    /** A policy from a parsed JSON value (the manifest's {@code rollout} field). */
    public static RolloutPolicy fromValue(Object value, String what) {
        try {
            Map<?, ?> o = Json.object(value, "rollout policy");
            refuseUnknown(o, POLICY_FIELDS, "");
            long schema = o.containsKey("schema") ? Json.number(o, "schema") : 1;
            if (schema != 1) {
                throw new IllegalArgumentException("schema " + schema + " is not supported (1 is)");
            }
            List<RolloutPolicy.Wave> waves = Json.list(o, "waves", RolloutPolicyJson::wave);
            if (waves == null) {
                throw new IllegalArgumentException("waves: missing");
            }
            String onHalt = Json.text(o, "on_halt");
            return new RolloutPolicy(waves, (int) Json.number(o, "max_in_flight"),
                    onHalt == null ? RolloutPolicy.OnHalt.STAY : Json.enumValue(RolloutPolicy.OnHalt.class, "on_halt", onHalt),
                    seconds(o, "lease_ttl_secs", RolloutPolicy.DEFAULT_LEASE_TTL),
                    seconds(o, "host_timeout_secs", RolloutPolicy.DEFAULT_HOST_TIMEOUT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(what + ": " + e.getMessage(), e);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(what + ": " + e.getMessage().replaceFirst("^rollout (policy|wave): ", ""), e);
        }
    }

    private static RolloutPolicy.Wave wave(Object value) {
        Map<?, ?> w = Json.object(value, "waves[]");
        refuseUnknown(w, WAVE_FIELDS, "waves[].");
        List<String> tags = Json.list(w, "tags", t -> RolloutPolicy.requireTag(String.valueOf(t)));
        Object percent = w.get("percent");
        if (percent != null && !(percent instanceof Number)) {
            throw new IllegalArgumentException("waves[].percent: expected a number, got " + Json.typeName(percent));
        }
        if ((tags == null || tags.isEmpty()) == (percent == null)) {
            throw new IllegalArgumentException("waves[]: give either tags or percent");
        }
        return new RolloutPolicy.Wave(tags == null ? List.of() : tags, percent == null ? 0 : ((Number) percent).doubleValue(),
                seconds(w, "soak_secs", Duration.ZERO), (int) Json.number(w, "failure_budget"));
    }

    private static Duration seconds(Map<?, ?> o, String field, Duration absent) {
        return o.containsKey(field) ? Duration.ofSeconds(Json.number(o, field)) : absent;
    }

    private static void refuseUnknown(Map<?, ?> o, List<String> known, String prefix) {
        List<String> unknown = new ArrayList<>();
        for (Object k : o.keySet()) {
            if (!known.contains(String.valueOf(k))) {
                unknown.add(prefix + k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown field " + String.join(", ", unknown) + " (known: " + String.join(", ", known) + ")");
        }
    }
}
