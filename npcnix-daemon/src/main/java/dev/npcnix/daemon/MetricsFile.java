package dev.npcnix.daemon;

import dev.npcnix.ErrorClass;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.health.CheckResult;
import dev.npcnix.local.LocalFiles;
import dev.npcnix.state.Daemon;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.state.LastPoll;
import dev.npcnix.state.Settings;
import dev.npcnix.status.HostStatus;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code follow --metrics-file PATH}: the host's state in Prometheus' text format, for node_exporter's
 * textfile collector, replaced atomically after every poll (node_exporter never reads half a file;
 * the temp file is a dot file in the same directory, which the collector ignores). Made with the
 * Prometheus client's own model and text writer; this class and the library are loaded only when the
 * option is given. Mode 0644: node_exporter runs as another user, and nothing in it is secret. A file
 * that cannot be written is logged and never changes the poll's outcome. Counters count since the
 * daemon started (Prometheus' {@code rate()} and {@code increase()} handle the reset).
 */
public final class MetricsFile {
    private static final Logger log = LoggerFactory.getLogger(MetricsFile.class);
    /** The daemon these metrics speak for: this process (as the host's report says it). */
    private static final Daemon SELF = new Daemon.Running(OptionalLong.of(ProcessHandle.current().pid()));

    private final Path file;
    private final DataDir dataDir;
    private final Clock clock;
    private final BooleanSupplier reportFailing;
    private final Map<String, Long> polls = new LinkedHashMap<>();
    private final Map<ErrorClass, Long> failures = new EnumMap<>(ErrorClass.class);
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private boolean failing;

    /**
     * @param reportFailing whether this host's report could not be written (null: reports are off)
     */
    public MetricsFile(Path file, DataDir dataDir, Clock clock, BooleanSupplier reportFailing) {
        this.file = file.toAbsolutePath();
        this.dataDir = dataDir;
        this.clock = clock;
        this.reportFailing = reportFailing;
        for (LastPoll.Outcome o : LastPoll.Outcome.values()) {
            polls.put(outcome(o), 0L);
        }
        for (ErrorClass c : ErrorClass.values()) {
            failures.put(c, 0L);
        }
    }

    public Path file() {
        return file;
    }

    /** After every poll (an observer of the follow loop). */
    public void afterPoll(PollOutcome outcome) {
        String word = outcome(outcome.kind());
        polls.merge(word, 1L, Long::sum);
        if (outcome instanceof PollOutcome.Failed f) {
            failures.merge(f.error().errorClass(), 1L, Long::sum);
        } else if (outcome instanceof PollOutcome.RolledBack r) {
            failures.merge(r.error().errorClass(), 1L, Long::sum);
        } else if (outcome instanceof PollOutcome.RollbackFailed r) {
            failures.merge(r.error().errorClass(), 1L, Long::sum);
        }
        try {
            MetricSnapshots snapshots = snapshots(word);
            LocalFiles.writeAtomically(file, Optional.of(PosixFilePermissions.fromString("rw-r--r--")),
                    out -> writer.write(out, snapshots, EscapingScheme.DEFAULT));
            if (failing) {
                log.info("metrics file {} written again", file);
                failing = false;
            }
        } catch (IOException | RuntimeException e) {
            if (!failing) {
                log.warn("metrics file {}: cannot write: {}", file, e.toString());
            }
            failing = true;
        }
    }

    /** The label of a poll's outcome: {@code rolled_back}, as {@code poll.json} spells it. */
    static String outcome(LastPoll.Outcome o) {
        return o.name().toLowerCase(Locale.ROOT);
    }

    private MetricSnapshots snapshots(String lastOutcome) {
        Settings settings = dataDir.loadSettings();
        HostState state = dataDir.loadState();
        Instant now = clock.instant();
        List<MetricSnapshot> metrics = new ArrayList<>();
        metrics.add(gauge("npcnix_last_poll_timestamp_seconds", "When the last poll ended.", seconds(now)));
        GaugeSnapshot.Builder last = GaugeSnapshot.builder().name("npcnix_last_poll_outcome")
                .help("How the last poll ended: 1 for its outcome, 0 for the others.");
        polls.keySet().forEach(o -> last.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .labels(Labels.of("outcome", o)).value(o.equals(lastOutcome) ? 1 : 0).build()));
        metrics.add(last.build());
        CounterSnapshot.Builder pollCount = CounterSnapshot.builder().name("npcnix_polls")
                .help("Polls since the daemon started, by outcome.");
        polls.forEach((o, n) -> pollCount.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                .labels(Labels.of("outcome", o)).value(n).build()));
        metrics.add(pollCount.build());
        CounterSnapshot.Builder failed = CounterSnapshot.builder().name("npcnix_poll_failures")
                .help("Failed polls (and rolled-back releases) since the daemon started, by error class.");
        failures.forEach((c, n) -> failed.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                .labels(Labels.of("error_class", c.name().toLowerCase(Locale.ROOT))).value(n).build()));
        metrics.add(failed.build());

        // The one classification, of the files status reads (poll.json is written before the observers run).
        HostStatus.State condition = HostStatus.of(settings, state, dataDir.loadLastPoll(), SELF, false, now).state();
        GaugeSnapshot.Builder states = GaugeSnapshot.builder().name("npcnix_state")
                .help("The host's state as status and its report say it: 1 for the state it is in.");
        for (HostStatus.State c : HostStatus.State.values()) {
            if (c != HostStatus.State.SILENT) { // only a reader of the fleet's reports says it
                states.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("state", c.json()))
                        .value(c == condition ? 1 : 0).build());
            }
        }
        metrics.add(states.build());
        HostState.Pending pending = state.pending();
        metrics.add(gauge("npcnix_reboot_pending", "Whether a reboot is due (1): into a committed release, or back after a failed one.",
                pending != null && (pending.phase() == HostState.Pending.Phase.REBOOT
                        || pending.phase() == HostState.Pending.Phase.ROLLBACK_REBOOT) ? 1 : 0));
        if (!state.checks().isEmpty()) {
            metrics.add(gauge("npcnix_health_checks_passed", "Whether every health check passed at their last run (1) or not (0).",
                    state.checks().stream().allMatch(CheckResult::passed) ? 1 : 0));
            metrics.add(gauge("npcnix_health_checks_timestamp_seconds", "When the health checks last ran.",
                    seconds(state.checks().stream().map(CheckResult::at).max(Instant::compareTo).orElseThrow())));
            GaugeSnapshot.Builder checks = GaugeSnapshot.builder().name("npcnix_health_check_passed")
                    .help("Whether each health check passed at its last run (1) or not (0).");
            state.checks().forEach(c -> checks.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                    .labels(Labels.of("check", c.name())).value(c.passed() ? 1 : 0).build()));
            metrics.add(checks.build());
        }

        if (settings.lastConfiguration().isPresent()) {
            metrics.add(gauge("npcnix_last_activation_timestamp_seconds", "When the applied release was activated.",
                    seconds(settings.lastReconfiguration())));
            metrics.add(InfoSnapshot.builder().name("npcnix_release").help("The release applied.")
                    .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of(
                            "remote", settings.remote().map(Object::toString).orElse(""),
                            "configuration", settings.lastConfiguration().get().toString(),
                            "etag", settings.lastEtag().map(Object::toString).orElse(""))).build())
                    .build());
        }
        Optional<HostState.Attempt> attempt = state.lastAttempt();
        if (attempt.isPresent()) {
            metrics.add(gauge("npcnix_last_attempt_timestamp_seconds", "When the last try to apply a release started.",
                    seconds(attempt.get().startedAt())));
            metrics.add(gauge("npcnix_last_attempt_success", "Whether the last try to apply a release succeeded (1) or not (0).",
                    attempt.get().result() == HostState.Result.ACTIVATED ? 1 : 0));
        }
        metrics.add(gauge("npcnix_release_sequence", "The highest signed release sequence accepted (0: unsigned).",
                state.highestSequence()));
        metrics.add(gauge("npcnix_quarantined_releases", "Releases skipped here until a new one or npcnix retry.",
                state.quarantined().size()));
        metrics.add(gauge("npcnix_paused", "Whether the host is paused (1) or not (0).", settings.pauseAt(now).isPresent() ? 1 : 0));
        if (reportFailing != null) {
            metrics.add(gauge("npcnix_report_failing", "Whether the host's report to the store could not be written (1).",
                    reportFailing.getAsBoolean() ? 1 : 0));
        }
        return new MetricSnapshots(metrics);
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).build()).build();
    }

    private static double seconds(Instant t) {
        return t.getEpochSecond() + t.getNano() / 1e9;
    }
}
