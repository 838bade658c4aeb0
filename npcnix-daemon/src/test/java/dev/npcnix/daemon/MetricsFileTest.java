package dev.npcnix.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.npcnix.activate.Operation;
import dev.npcnix.follow.Follower;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.health.CheckResult;
import dev.npcnix.json.Json;
import dev.npcnix.state.HostState;
import dev.npcnix.store.Etag;
import dev.npcnix.system.Generation;
import dev.npcnix.testing.host.HostFixture;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The metrics file as node_exporter's textfile collector reads it: parsed back by the official Prometheus
 * Python client's text parser (Debian's python3-prometheus-client), not by pattern matching.
 */
class MetricsFileTest {
    private static final String PYTHON = "/usr/bin/python3";

    @RegisterExtension
    final HostFixture host = new HostFixture();

    @BeforeAll
    static void parserPresent() throws Exception {
        boolean present = Files.isExecutable(Path.of(PYTHON))
                && new ProcessBuilder(PYTHON, "-c", "import prometheus_client.parser").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        assumeTrue(present, "the Prometheus text parser is missing (apt-get install python3-prometheus-client)");
    }

    /** The file as the Python parser read it. */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> parse(Path file) throws Exception {
        Path script = file.resolveSibling("parse-metrics.py");
        try (InputStream in = MetricsFileTest.class.getResourceAsStream("parse-metrics.py")) {
            Files.write(script, in.readAllBytes());
        }
        Process p = new ProcessBuilder(PYTHON, script.toString(), file.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(out, StandardCharsets.UTF_8)).isZero();
        return (Map<String, Map<String, Object>>) Json.parse(out);
    }

    /** The value of the sample named {@code sample} with these labels. */
    @SuppressWarnings("unchecked")
    private static double value(Map<String, Map<String, Object>> metrics, String family, String sample, Map<String, String> labels) {
        assertThat(metrics).containsKey(family);
        for (Object s : (List<Object>) metrics.get(family).get("samples")) {
            List<Object> triple = (List<Object>) s;
            if (triple.get(0).equals(sample) && triple.get(1).equals(labels)) {
                return ((Number) triple.get(2)).doubleValue();
            }
        }
        throw new AssertionError(family + ": no sample " + sample + labels + " in " + metrics.get(family));
    }

    @Test
    void afterEveryPollTheFileSaysWhatTheHostDid() throws Exception {
        host.publish();
        Path file = host.tmp().resolve("textfile/npcnix.prom");
        Files.createDirectories(file.getParent());
        MetricsFile metrics = new MetricsFile(file, host.dataDir(), host.clock(), () -> false);
        Follower follower = host.follower();

        metrics.afterPoll(follower.pollOnce());
        host.clock().advance(Duration.ofMinutes(2));
        metrics.afterPoll(follower.pollOnce());

        Map<String, Map<String, Object>> m = parse(file);
        long now = host.clock().instant().getEpochSecond();
        assertThat(value(m, "npcnix_last_poll_timestamp_seconds", "npcnix_last_poll_timestamp_seconds", Map.of())).isEqualTo(now);
        assertThat(value(m, "npcnix_last_poll_outcome", "npcnix_last_poll_outcome", Map.of("outcome", "unchanged"))).isEqualTo(1);
        assertThat(value(m, "npcnix_last_poll_outcome", "npcnix_last_poll_outcome", Map.of("outcome", "activated"))).isZero();
        assertThat(m.get("npcnix_polls").get("type")).isEqualTo("counter");
        assertThat(value(m, "npcnix_polls", "npcnix_polls_total", Map.of("outcome", "activated"))).isEqualTo(1);
        assertThat(value(m, "npcnix_polls", "npcnix_polls_total", Map.of("outcome", "unchanged"))).isEqualTo(1);
        assertThat(value(m, "npcnix_poll_failures", "npcnix_poll_failures_total", Map.of("error_class", "transient"))).isZero();
        assertThat(value(m, "npcnix_state", "npcnix_state", Map.of("state", "in_sync"))).isEqualTo(1);
        assertThat(value(m, "npcnix_state", "npcnix_state", Map.of("state", "failing"))).isZero();
        assertThat(value(m, "npcnix_last_activation_timestamp_seconds", "npcnix_last_activation_timestamp_seconds", Map.of()))
                .isEqualTo(now - 120);
        assertThat(value(m, "npcnix_last_attempt_success", "npcnix_last_attempt_success", Map.of())).isEqualTo(1);
        assertThat(m.get("npcnix_release_info").get("type")).as("an info metric, in the text format").isEqualTo("gauge");
        String etag = host.dataDir().loadSettings().lastEtag().orElseThrow().value();
        assertThat(value(m, "npcnix_release_info", "npcnix_release_info",
                Map.of("remote", host.remote().toString(), "configuration", "web", "etag", etag))).isEqualTo(1);
        assertThat(value(m, "npcnix_paused", "npcnix_paused", Map.of())).isZero();
        assertThat(value(m, "npcnix_quarantined_releases", "npcnix_quarantined_releases", Map.of())).isZero();
        assertThat(value(m, "npcnix_report_failing", "npcnix_report_failing", Map.of())).isZero();
        assertThat(value(m, "npcnix_reboot_pending", "npcnix_reboot_pending", Map.of())).isZero();
        assertThat(m).as("no check configured, none ran").doesNotContainKey("npcnix_health_checks_passed")
                .doesNotContainKey("npcnix_health_check_passed");
        assertThat(m.get("npcnix_state").get("samples").toString()).doesNotContain("silent");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");
        try (var entries = Files.list(file.getParent())) {
            assertThat(entries).extracting(p -> p.getFileName().toString()).containsExactlyInAnyOrder("npcnix.prom", "parse-metrics.py");
        }
    }

    @Test
    void aFailedActivationCountsByErrorClassAndQuarantines() throws Exception {
        host.publish();
        host.rebuild().exitWith(1);
        Path file = host.tmp().resolve("npcnix.prom");
        MetricsFile metrics = new MetricsFile(file, host.dataDir(), host.clock(), null);

        PollOutcome failed = host.follower().pollOnce();
        metrics.afterPoll(failed);

        assertThat(failed).isInstanceOf(PollOutcome.Failed.class);
        Map<String, Map<String, Object>> m = parse(file);
        assertThat(value(m, "npcnix_poll_failures", "npcnix_poll_failures_total", Map.of("error_class", "deterministic"))).isEqualTo(1);
        assertThat(value(m, "npcnix_last_poll_outcome", "npcnix_last_poll_outcome", Map.of("outcome", "failed"))).isEqualTo(1);
        assertThat(value(m, "npcnix_state", "npcnix_state", Map.of("state", "quarantined")))
                .as("the word status says: the release failed here and is quarantined").isEqualTo(1);
        assertThat(value(m, "npcnix_state", "npcnix_state", Map.of("state", "failing"))).isZero();
        assertThat(value(m, "npcnix_last_attempt_success", "npcnix_last_attempt_success", Map.of())).isZero();
        assertThat(value(m, "npcnix_quarantined_releases", "npcnix_quarantined_releases", Map.of())).isEqualTo(1);
        assertThat(m).doesNotContainKey("npcnix_release_info").doesNotContainKey("npcnix_report_failing");
    }

    @Test
    void aRebootPendingAndTheLastHealthChecksAreInTheFile() throws Exception {
        host.publish();
        Follower follower = host.follower();
        PollOutcome activated = follower.pollOnce();
        Instant checked = host.clock().instant();
        HostState.Pending reboot = new HostState.Pending(HostState.Pending.Phase.REBOOT, host.remote(),
                new Etag("0123456789abcdef0123456789abcdef"), "sha", 1, HostFixture.WEB, Operation.SWITCH, 0, checked, "boot-1",
                new Generation(1, host.tmp().resolve("gen-1")), null, null, List.of(), null, 0);
        host.dataDir().storeState(host.dataDir().loadState()
                .withChecks(List.of(new CheckResult("systemd", true, "", checked),
                        new CheckResult("http http://127.0.0.1:8080/healthz", false, "HTTP 503", checked.plusSeconds(1))))
                .withPending(reboot));
        Path file = host.tmp().resolve("npcnix.prom");

        new MetricsFile(file, host.dataDir(), host.clock(), null).afterPoll(activated);

        Map<String, Map<String, Object>> m = parse(file);
        assertThat(value(m, "npcnix_reboot_pending", "npcnix_reboot_pending", Map.of())).isEqualTo(1);
        assertThat(value(m, "npcnix_state", "npcnix_state", Map.of("state", "reboot_pending"))).isEqualTo(1);
        assertThat(value(m, "npcnix_health_checks_passed", "npcnix_health_checks_passed", Map.of())).isZero();
        assertThat(value(m, "npcnix_health_checks_timestamp_seconds", "npcnix_health_checks_timestamp_seconds", Map.of()))
                .isEqualTo(checked.getEpochSecond() + 1);
        assertThat(value(m, "npcnix_health_check_passed", "npcnix_health_check_passed", Map.of("check", "systemd"))).isEqualTo(1);
        assertThat(value(m, "npcnix_health_check_passed", "npcnix_health_check_passed",
                Map.of("check", "http http://127.0.0.1:8080/healthz"))).isZero();
    }

    @Test
    void aFileThatCannotBeWrittenChangesNothing() throws IOException {
        host.publish();
        Path blocked = host.tmp().resolve("not-a-dir");
        Files.writeString(blocked, "x");
        MetricsFile metrics = new MetricsFile(blocked.resolve("npcnix.prom"), host.dataDir(), host.clock(), null);

        PollOutcome outcome = host.follower().pollOnce();
        metrics.afterPoll(outcome);

        assertThat(outcome).isInstanceOf(PollOutcome.Activated.class);
    }
}
