package dev.npcnix.rollout;

import dev.npcnix.json.Json;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The coordination objects of one rollout, {@code <remote>.rollout/<id>/}: create-only per-host markers
 * ({@code joined/<wave>/<host>}, {@code applied/…}, {@code failed/…}), {@code open/<wave>} (a wave, once
 * open, stays open), {@code halt}, {@code resumed}, and the leases {@code lease/<slot>/<generation>}. Reading them all is
 * ONE paginated listing ({@link #snapshot()}), never one read per host: what a gate needs is which objects
 * exist and the store's LastModified of each. Every write is create-only ({@code If-None-Match: *} on S3,
 * a lock and a check on {@code file://}; taking over an expired lease creates its next generation), except {@code resumed} (the operator's, last writer wins).
 */
public final class RolloutBoard {
    private static final String JSON = "application/json";
    private static final int MAX_BODY = 4096;

    private final RemoteStore store;
    private final RemoteUri remote;
    private final String rolloutId;

    public RolloutBoard(RemoteStore store, RemoteUri remote, String rolloutId) {
        this.store = store;
        this.remote = remote;
        this.rolloutId = requireId(rolloutId);
    }

    /** A rollout id: a manifest sequence (digits) or 12 hex digits of the archive's SHA-256. */
    public static String requireId(String id) {
        if (id == null || !id.matches("[0-9a-f]{1,64}")) {
            throw new IllegalArgumentException("rollout id '" + id + "': expected a sequence number or 12 hex digits");
        }
        return id;
    }

    public String rolloutId() {
        return rolloutId;
    }

    /** The folder, for messages: {@code s3://b/prod.npcnix.rollout/1234/}. */
    public String where() {
        return remote + ".rollout/" + rolloutId + "/";
    }

    /** The kinds of per-host marker. */
    public enum Marker { JOINED, APPLIED, FAILED }

    /**
     * One lease as listed: its slot, its highest generation (each take-over of an expired lease creates the
     * next one), and when that was taken by the store's clock.
     */
    public record Lease(int slot, int generation, Instant takenAt) {
    }

    /**
     * Everything the listing said, by kind.
     *
     * @param hosts marker kind → wave → host → LastModified
     * @param opened wave → LastModified of {@code open/<wave>}
     * @param halted LastModified of {@code halt}, when it exists
     * @param resumed LastModified of {@code resumed}, when it exists: failures before it are forgiven
     * @param leases by slot
     * @param requests pages the listing took (a request each)
     */
    public record Snapshot(Map<Marker, Map<Integer, Map<String, Instant>>> hosts, Map<Integer, Instant> opened,
            Optional<Instant> halted, Optional<Instant> resumed, Map<Integer, Lease> leases, int objects) {

        /** Hosts with marker {@code kind} in {@code wave}, by name, with their times. */
        public Map<String, Instant> in(Marker kind, int wave) {
            return hosts.getOrDefault(kind, Map.of()).getOrDefault(wave, Map.of());
        }

        /** The wave {@code host} joined, if it did. */
        public Optional<Integer> waveJoinedBy(String host) {
            for (Map.Entry<Integer, Map<String, Instant>> e : hosts.getOrDefault(Marker.JOINED, Map.of()).entrySet()) {
                if (e.getValue().containsKey(host)) {
                    return Optional.of(e.getKey());
                }
            }
            return Optional.empty();
        }

        /** The earliest time anything of this rollout was written: when wave 0 opened, in effect. */
        public Optional<Instant> started() {
            return hosts.getOrDefault(Marker.JOINED, Map.of()).values().stream().flatMap(m -> m.values().stream())
                    .min(Instant::compareTo);
        }

        static Snapshot empty() {
            return new Snapshot(Map.of(), Map.of(), Optional.empty(), Optional.empty(), Map.of(), 0);
        }
    }

    /** One paginated listing of the rollout's folder. Names that are none of ours are ignored. */
    public Snapshot snapshot() {
        List<RemoteStore.Listed> listed = store.listTree(remote, ".rollout/" + rolloutId + "/");
        Map<Marker, Map<Integer, Map<String, Instant>>> hosts = new HashMap<>();
        Map<Integer, Instant> opened = new TreeMap<>();
        Map<Integer, Lease> leases = new TreeMap<>();
        Optional<Instant> halted = Optional.empty();
        Optional<Instant> resumed = Optional.empty();
        for (RemoteStore.Listed l : listed) {
            Instant at = l.lastModified().orElse(Instant.EPOCH);
            String[] part = l.name().split("/");
            try {
                if (part.length == 3 && (part[0].equals("joined") || part[0].equals("applied") || part[0].equals("failed"))) {
                    Marker kind = Marker.valueOf(part[0].toUpperCase(java.util.Locale.ROOT));
                    int wave = Integer.parseInt(part[1]);
                    hosts.computeIfAbsent(kind, k -> new TreeMap<>()).computeIfAbsent(wave, w -> new TreeMap<>()).put(part[2], at);
                } else if (part.length == 2 && part[0].equals("open")) {
                    opened.put(Integer.parseInt(part[1]), at);
                } else if (part.length == 3 && part[0].equals("lease")) {
                    int slot = Integer.parseInt(part[1]);
                    int generation = Integer.parseInt(part[2]);
                    Lease known = leases.get(slot);
                    if (known == null || known.generation() < generation) {
                        leases.put(slot, new Lease(slot, generation, at));
                    }
                } else if (l.name().equals("halt")) {
                    halted = Optional.of(at);
                } else if (l.name().equals("resumed")) {
                    resumed = Optional.of(at);
                }
            } catch (NumberFormatException e) {
                // not one of ours: someone's stray object must not stop a rollout
            }
        }
        return new Snapshot(hosts, opened, halted, resumed, leases, listed.size());
    }

    /** Writes {@code kind} for {@code host} in {@code wave}, create-only; false when it was there already. */
    public boolean mark(Marker kind, int wave, String host, Instant at, String message) {
        byte[] body = Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("schema", 1);
            Json.field(g, "host", host);
            g.writeNumberField("wave", wave);
            Json.field(g, "at", at);
            Json.field(g, "message", message == null ? null : cut(message));
            g.writeEndObject();
        });
        return createOnly(object(kind.name().toLowerCase(java.util.Locale.ROOT) + "/" + wave + "/" + host), body);
    }

    /** Records that {@code wave} is open, create-only (the first host to find it open writes it). */
    public boolean open(int wave, String host, Instant at) {
        return createOnly(object("open/" + wave), Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("schema", 1);
            Json.field(g, "host", host);
            Json.field(g, "at", at);
            g.writeEndObject();
        }));
    }

    /**
     * Why a rollout stopped.
     *
     * @param by the host, or {@code operator:<user>} for {@code rollout halt}
     * @param wave the wave the failure was in, or -1 for an operator's halt
     */
    public record Halt(String by, int wave, String reason, Instant at) {
    }

    /** Halts the rollout, create-only; false when it was halted already (the first reason stays). */
    public boolean halt(Halt halt) {
        return createOnly(object("halt"), Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("schema", 1);
            Json.field(g, "by", halt.by());
            if (halt.wave() >= 0) {
                g.writeNumberField("wave", halt.wave());
            }
            Json.field(g, "reason", cut(halt.reason()));
            Json.field(g, "at", halt.at());
            g.writeEndObject();
        }));
    }

    /** The halt, when there is one. */
    public Optional<Halt> readHalt() {
        return store.read(object("halt"), MAX_BODY).map(s -> {
            try {
                Map<?, ?> o = Json.object(Json.parse(s.content()), "halt");
                return new Halt(Json.text(o, "by"), o.containsKey("wave") ? (int) Json.number(o, "wave") : -1,
                        Json.text(o, "reason"), Json.instant(o, "at"));
            } catch (IOException | IllegalArgumentException e) {
                return new Halt("?", -1, "unreadable halt object: " + e.getMessage(), null);
            }
        });
    }

    /**
     * Lifts a halt: removes {@code halt} and writes {@code resumed}, whose time forgives the failures before
     * it (else the next failure would count them again and halt at once).
     */
    public void resume(String by, Instant at) {
        store.write(object("resumed"), Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("schema", 1);
            Json.field(g, "by", by);
            Json.field(g, "at", at);
            g.writeEndObject();
        }), JSON, RemoteStore.Condition.NONE);
        store.delete(object("halt"));
    }

    /**
     * Takes a free lease, if any: a slot nobody holds ({@code lease/<slot>/0}), or one whose holder's time
     * ran out by the listing (the store's LastModified plus the TTL), by creating its next generation
     * {@code lease/<slot>/<g+1>}. Every take is a create-only write, the one conditional write that S3, the
     * in-JVM S3 server and {@code file://} all make atomic: of hosts racing for the same slot, one wins.
     * Slots are tried from {@code start} on, so hosts do not all race for slot 0.
     *
     * @param storeNow the store's time, as this host estimates it
     * @return the lease taken, or empty when all {@code max} are held
     */
    public Optional<Lease> takeLease(Snapshot snapshot, String host, Instant storeNow, Duration ttl, int max, int start) {
        for (int i = 0; i < max; i++) {
            int slot = Math.floorMod(start + i, max);
            Lease held = snapshot.leases().get(slot);
            int generation;
            if (held == null) {
                generation = 0;
            } else if (!held.takenAt().plus(ttl).isAfter(storeNow)) {
                generation = held.generation() + 1;
            } else {
                continue;
            }
            RemoteUri lease = object("lease/" + slot + "/" + generation);
            if (createOnly(lease, leaseBody(host, storeNow, ttl)) || heldBy(lease, host)) {
                return Optional.of(new Lease(slot, generation, storeNow));
            }
        }
        return Optional.empty();
    }

    /**
     * Whether {@code host} holds {@code lease}: a create-only PUT whose answer was lost is retried by the SDK
     * and refused (412) because its own first attempt succeeded; the lease is then ours, not someone else's.
     */
    private boolean heldBy(RemoteUri lease, String host) {
        return store.read(lease, MAX_BODY).map(s -> host.equals(holder(s.content()))).orElse(false);
    }

    /**
     * Gives back a lease: removes its generation and the older ones (holders whose time ran out before it was
     * taken over). A host whose lease was taken over after expiry removes only its own, older generation.
     */
    public void releaseLease(Lease lease) {
        for (int g = lease.generation(); g >= 0; g--) {
            store.delete(object("lease/" + lease.slot() + "/" + g));
        }
    }

    /** Who holds the lease in {@code body}, or null. */
    static String holder(byte[] body) {
        try {
            return Json.text(Json.object(Json.parse(body), "lease"), "host");
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static Instant expiry(byte[] body) {
        try {
            return Json.instant(Json.object(Json.parse(body), "lease"), "expires_at");
        } catch (IOException | IllegalArgumentException e) {
            return null; // unreadable: treated as expired, so it cannot block the fleet for good
        }
    }

    private static byte[] leaseBody(String host, Instant storeNow, Duration ttl) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("schema", 1);
            Json.field(g, "host", host);
            Json.field(g, "taken_at", storeNow);
            Json.field(g, "expires_at", storeNow.plus(ttl));
            g.writeEndObject();
        });
    }

    private boolean createOnly(RemoteUri object, byte[] body) {
        try {
            store.write(object, body, JSON, RemoteStore.Condition.ABSENT);
            return true;
        } catch (StoreException e) {
            if (e.reason() == StoreException.Reason.CONFLICT) {
                return false;
            }
            throw e;
        }
    }

    private RemoteUri object(String name) {
        return remote.sibling(".rollout/" + rolloutId + "/" + name);
    }

    private static String cut(String s) {
        return s.length() <= 300 ? s : s.substring(0, 297) + "...";
    }
}
