package dev.npcnix.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.StateException;
import dev.npcnix.activate.Operation;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** state.json is written and read by hand: both directions agree on every field, the bytes are pinned, old files read. */
class HostStateJsonTest {
    @TempDir
    Path tmp;

    private static final RemoteUri S3 = RemoteUri.parse("s3://b/k.npcnix");
    private static final ConfigurationName CANARY = ConfigurationName.of("web-canary");

    static HostState full() {
        return HostState.empty()
                .withAttempt(new HostState.Attempt(Instant.parse("2026-01-02T03:04:05.123456789Z"), 1234, S3,
                        new Etag("0123abcd"), "beef", ConfigurationName.of("web"), Operation.SWITCH, HostState.Result.ACTIVATED,
                        null, null))
                .withAttempt(new HostState.Attempt(Instant.parse("2026-01-03T00:00:00Z"), 7, RemoteUri.parse("file:///srv/x.npcnix"),
                        new Etag("e2"), "sha2", CANARY, Operation.BOOT, HostState.Result.FAILED, ErrorClass.DETERMINISTIC,
                        "nixos-rebuild exited 1: \"x\"\n"))
                .withAttempt(new HostState.Attempt(Instant.parse("2026-01-03T00:01:00Z"), 9, S3, new Etag("e3"), null, CANARY,
                        Operation.SWITCH, HostState.Result.FAILED, ErrorClass.LOCAL, "/var/lib/npcnix/tmp/x: No space left on device"))
                .withQuarantine(new HostState.Quarantine(S3, new Etag("e2"), "sha2", CANARY, Instant.parse("2026-01-03T00:00:01Z"),
                        "boom ü"))
                .withHighestSequence(42)
                .withLastSeen(new HostState.LastSeen(S3, new Etag("e2"), CANARY));
    }

    @Test
    void whatIsWrittenReadsBackEqual() throws Exception {
        for (HostState s : new HostState[] {HostState.empty(), full()}) {
            assertThat(HostStateJson.read(HostStateJson.write(s))).isEqualTo(s);
        }
    }

    @Test
    void safeActivationsFieldsReadBackEqual() throws Exception {
        java.util.List<dev.npcnix.health.CheckResult> checks = java.util.List.of(
                new dev.npcnix.health.CheckResult("systemd", true, "no failed units", Instant.parse("2026-01-04T00:00:10Z")),
                new dev.npcnix.health.CheckResult("http http://127.0.0.1/health", false, "HTTP 503", Instant.parse("2026-01-04T00:00:11Z")));
        HostState s = full()
                .withAttempt(new HostState.Attempt(Instant.parse("2026-01-04T00:00:00Z"), 70_000, S3, new Etag("e4"), "sha4", CANARY,
                        Operation.SWITCH, HostState.Result.ROLLED_BACK, ErrorClass.UNHEALTHY, "checks failed", checks))
                .withPending(new HostState.Pending(HostState.Pending.Phase.ROLLBACK_REBOOT, S3, new Etag("e5"), "sha5", 123, CANARY,
                        Operation.BOOT, 7, Instant.parse("2026-01-05T00:00:00Z"), "boot-1",
                        new dev.npcnix.system.Generation(41, Path.of("/nix/store/aaa-nixos-system-web")),
                        Path.of("/nix/store/aaa-nixos-system-web"), Path.of("/nix/store/bbb-nixos-system-web"),
                        java.util.List.of("http http://127.0.0.1/health"), "checks failed after the reboot", 1))
                .withChecks(checks)
                .withBootCheck(new HostState.BootCheck("boot-1", Path.of("/nix/store/bbb-nixos-system-web"), false,
                        Instant.parse("2026-01-05T00:05:00Z")));
        assertThat(HostStateJson.read(HostStateJson.write(s))).isEqualTo(s);
        String json = new String(HostStateJson.write(s), StandardCharsets.UTF_8);
        assertThat(json).contains("\"phase\" : \"rollback_reboot\"", "\"result\" : \"rolled_back\"",
                "\"error_class\" : \"unhealthy\"", "\"previous_generation\" : 41");
    }

    @Test
    void aPendingRebootCarriesTheRolloutItMustTellAndOldRecordsHaveNone() throws Exception {
        HostState.Pending p = new HostState.Pending(HostState.Pending.Phase.REBOOT, S3, new Etag("e6"), "sha6", 9, CANARY,
                Operation.SWITCH, 0, Instant.parse("2026-01-06T00:00:00Z"), "boot-1",
                new dev.npcnix.system.Generation(41, Path.of("/nix/store/aaa-nixos-system-web")), null,
                Path.of("/nix/store/ccc-nixos-system-web"), null, null, 1);
        HostState.Pending.Rollout rollout = new HostState.Pending.Rollout("17", 0, "canary-1", 1, Instant.parse("2026-01-07T00:00:00Z"));
        HostState s = full().withPending(p.withRollout(rollout));
        HostState read = HostStateJson.read(HostStateJson.write(s));
        assertThat(read).isEqualTo(s);
        assertThat(read.pending().rebooting(HostState.Pending.Phase.REBOOT, "boot-2").withTrial(p.trial()).rollout())
                .as("kept through the record's steps").isEqualTo(rollout);
        assertThat(new String(HostStateJson.write(s), StandardCharsets.UTF_8)).contains("\"rollout_id\" : \"17\"",
                "\"failure_budget\" : 1");
        assertThat(HostStateJson.read(HostStateJson.write(full().withPending(p))).pending().rollout()).isNull();
    }

    @Test
    void theBytesArePinnedSnakeCaseWithLowercaseValues() throws Exception {
        assertThat(new String(HostStateJson.write(full()), StandardCharsets.UTF_8)).isEqualTo(resource("state-golden.json"));
    }

    @Test
    void aFileTheReleasedVersionWroteStillReads() throws Exception {
        // uppercase results and the error class as free text, as 0.1 wrote them
        String old = "{\"history\" : [ {\"started_at\" : \"2026-01-02T03:04:05Z\", \"duration_millis\" : 5,"
                + " \"remote\" : \"s3://b/k.npcnix\", \"etag\" : \"e1\", \"sha256\" : \"beef\", \"configuration\" : \"web\","
                + " \"operation\" : \"switch\", \"result\" : \"ACTIVATED\"}, {\"started_at\" : \"2026-01-02T03:05:00Z\","
                + " \"duration_millis\" : 6, \"remote\" : \"s3://b/k.npcnix\", \"etag\" : \"e2\", \"configuration\" : \"web\","
                + " \"operation\" : \"switch\", \"result\" : \"FAILED\", \"error_class\" : \"deterministic\", \"message\" : \"m\"} ],"
                + " \"quarantined\" : [ {\"remote\" : \"s3://b/k.npcnix\", \"etag\" : \"e2\", \"sha256\" : null,"
                + " \"configuration\" : \"web\", \"at\" : \"2026-01-02T03:05:06Z\", \"reason\" : \"m\"} ], \"highest_sequence\" : 0,"
                + " \"last_seen\" : {\"remote\" : \"s3://b/k.npcnix\", \"etag\" : \"e2\", \"configuration\" : \"web\"}}";
        HostState s = HostStateJson.read(old.getBytes(StandardCharsets.UTF_8));
        assertThat(s.history()).extracting(HostState.Attempt::result)
                .containsExactly(HostState.Result.ACTIVATED, HostState.Result.FAILED);
        assertThat(s.history().get(1).errorClass()).isEqualTo(ErrorClass.DETERMINISTIC);
        assertThat(s.quarantineFor(S3, new Etag("e2"), null, ConfigurationName.of("web"))).isPresent();
        assertThat(s.lastSeen().isFor(S3, ConfigurationName.of("web"))).isTrue();
        assertThat(new String(HostStateJson.write(s), StandardCharsets.UTF_8)).as("rewritten in the new form")
                .contains("\"result\" : \"activated\"").doesNotContain("ACTIVATED");
    }

    @Test
    void theDataDirReadsWhatItStoredAndSeesChangesOfTheSameSize() throws Exception {
        DataDir dir = DataDir.open(tmp);
        dir.storeState(full());
        assertThat(dir.loadState()).isEqualTo(full());
        assertThat(dir.loadState()).isSameAs(dir.loadState()); // unchanged bytes are not parsed again

        Path file = tmp.resolve(DataDir.STATE_FILE);
        String text = Files.readString(file);
        Files.writeString(file, text.replace("\"highest_sequence\" : 42", "\"highest_sequence\" : 43"));
        assertThat(dir.loadState().highestSequence()).isEqualTo(43);

        dir.storeSettings(Settings.empty().withSleep(5, 120, 24));
        Path config = tmp.resolve(DataDir.CONFIG_FILE);
        Files.writeString(config, Files.readString(config).replace("\"max_sleep_secs\": 120", "\"max_sleep_secs\": 121"));
        assertThat(dir.loadSettings().maxSleepSecs()).isEqualTo(121);
    }

    @Test
    void unknownFieldsAreIgnoredAndMissingOnesAreEmpty() throws Exception {
        String json = "{\"future_field\": {\"a\": [1, 2.5, null]}, \"history\": [{\"etag\": \"e\", \"new\": true,"
                + " \"started_at\": \"2026-01-01T01:00:00+01:00\", \"duration_millis\": 5}], \"highest_sequence\": 3}";
        HostState s = HostStateJson.read(json.getBytes(StandardCharsets.UTF_8));
        assertThat(s.quarantined()).isEmpty();
        assertThat(s.lastSeen()).isNull();
        assertThat(s.highestSequence()).isEqualTo(3);
        assertThat(s.history()).singleElement().satisfies(a -> {
            assertThat(a.etag()).isEqualTo(new Etag("e"));
            assertThat(a.startedAt()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
            assertThat(a.durationMillis()).isEqualTo(5);
            assertThat(a.result()).isNull();
        });
        assertThat(HostStateJson.read("null".getBytes(StandardCharsets.UTF_8))).isNull();
    }

    @Test
    void wrongTypesAndBrokenJsonAreAStateErrorNamingTheFile() throws Exception {
        DataDir dir = DataDir.open(tmp);
        Path file = tmp.resolve(DataDir.STATE_FILE);
        for (String bad : new String[] {"{\"history\": 5}", "{\"history\": [", "[]", "{\"history\": [{\"result\": \"WON\"}]}",
                "{\"quarantined\": [{\"at\": \"yesterday\"}]}", "{} {}", "{\"last_seen\": {\"remote\": \"ftp://x/y\"}}",
                "{\"history\": [{\"configuration\": \"no spaces\"}]}", "{\"history\": [{\"error_class\": \"cosmic\"}]}"}) {
            Files.writeString(file, bad);
            assertThatThrownBy(dir::loadState).as(bad).isInstanceOf(StateException.class)
                    .hasMessageStartingWith(file + ": ")
                    .hasMessageContaining("(fix the file, or run npcnix bootstrap --remote URI --configuration NAME:"
                            + " it moves the file aside and starts over)")
                    .hasMessageNotContaining("jackson").hasMessageNotContaining("Exception")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    static String resource(String name) throws IOException {
        try (InputStream in = HostStateJsonTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
