package dev.npcnix.fleet;

import dev.npcnix.status.HostStatus;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteObject;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteUri;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The fleet of one remote as its reports show it: the remote's current release (one HEAD), the listing
 * of {@code <remote>.hosts/} (every page), and each report read, {@link #PARALLEL_READS} at a time, each
 * classified ({@link HostCondition#inFleet}). A report that cannot be read or parsed is a
 * {@code silent} host whose last error says why: nothing is hidden.
 */
public final class FleetView {
    /** Reports read at once: enough to read 1,000 in a few seconds without flooding the store. */
    public static final int PARALLEL_READS = 16;
    /** The largest report read (a host writes well under 4 KiB). */
    static final int MAX_REPORT_BYTES = 64 * 1024;
    private static final String FOLDER = ".hosts/";

    private FleetView() {
    }

    /** One host's row. {@code problem} is set for a report that could not be read. */
    public record Row(HostId hostId, HostReport report, HostStatus.State state, Duration age, String problem) {
    }

    /** What {@link #read} saw, and when. */
    public record Snapshot(RemoteUri remote, Optional<RemoteObject> current, Instant at, List<Row> rows) {
        public Snapshot {
            rows = List.copyOf(rows);
        }

        /** How many hosts are in each state (every state, zeros included). */
        public Map<HostStatus.State, Integer> counts() {
            Map<HostStatus.State, Integer> counts = new EnumMap<>(HostStatus.State.class);
            for (HostStatus.State c : HostStatus.State.values()) {
                counts.put(c, 0);
            }
            rows.forEach(r -> counts.merge(r.state(), 1, Integer::sum));
            return counts;
        }

        /** Whether any host is failing, rolled back, quarantined or silent ({@code fleet status} exits 1). */
        public boolean anyFailure() {
            return rows.stream().anyMatch(r -> r.state().isFailure());
        }

        /** Whether every host applied the remote's current release (and there is at least one host). */
        public boolean converged() {
            return !rows.isEmpty() && rows.stream().allMatch(r -> r.state() == HostStatus.State.IN_SYNC);
        }
    }

    /** Reads the fleet of {@code remote} now. */
    public static Snapshot read(RemoteStore store, RemoteUri remote, Clock clock) {
        Optional<RemoteObject> current = store.head(remote);
        List<RemoteStore.Listed> listed = store.list(remote, FOLDER).stream()
                .filter(l -> l.name().endsWith(".json")).toList();
        Instant now = clock.instant();
        Optional<Etag> currentEtag = current.map(RemoteObject::etag);
        List<Row> rows = new ArrayList<>(listed.size());
        if (!listed.isEmpty()) {
            ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL_READS, listed.size()), r -> {
                Thread t = new Thread(r, "fleet-read");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<Row>> reads = new ArrayList<>(listed.size());
                for (RemoteStore.Listed l : listed) {
                    reads.add(pool.submit(() -> row(store, remote, l, currentEtag, now)));
                }
                for (Future<Row> f : reads) {
                    rows.add(f.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading reports", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } finally {
                pool.shutdownNow();
            }
        }
        return new Snapshot(remote, current, now, rows);
    }

    private static Row row(RemoteStore store, RemoteUri remote, RemoteStore.Listed listed, Optional<Etag> current,
            Instant now) {
        String name = listed.name().substring(0, listed.name().length() - ".json".length());
        HostId id = HostId.isValid(name) ? new HostId(name) : new HostId("invalid-name");
        RemoteUri object = remote.sibling(FOLDER + listed.name());
        Optional<RemoteStore.Stored> stored;
        try {
            stored = store.read(object, MAX_REPORT_BYTES);
        } catch (dev.npcnix.store.StoreException e) {
            return new Row(id, null, HostStatus.State.SILENT, age(listed, now), "report unreadable: " + e.getMessage());
        }
        if (stored.isEmpty()) { // removed since the listing: a host taken out of the fleet
            return new Row(id, null, HostStatus.State.SILENT, age(listed, now), "report removed while reading");
        }
        try {
            HostReport report = HostReportJson.read(stored.get().content());
            return new Row(report.hostId(), report, HostCondition.inFleet(report, current, now),
                    Duration.between(report.reportedAt(), now), null);
        } catch (IOException | IllegalArgumentException e) {
            return new Row(id, null, HostStatus.State.SILENT, age(listed, now),
                    "report " + object + " is not a report: " + HostReport.cut(e.getMessage()));
        }
    }

    private static Duration age(RemoteStore.Listed listed, Instant now) {
        return listed.lastModified().map(t -> Duration.between(t, now)).orElse(null);
    }
}
