package dev.npcnix.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.ConfigurationName;
import dev.npcnix.json.Json;
import dev.npcnix.StateException;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
    @TempDir
    Path dir;

    @Test
    void loadsWhatTheRustNpcnixWrote() {
        Fixtures.rustConfig("config-active.json", dir.resolve("config.json"));
        Settings s = DataDir.open(dir).loadSettings();

        assertThat(s.remote()).contains(RemoteUri.parse("s3://acme-config/npcnix/remotes/prod.npcnix"));
        assertThat(s.remoteRegion()).contains("us-east-1");
        assertThat(s.configuration()).contains(ConfigurationName.of("web"));
        assertThat(s.lastReconfiguration()).isEqualTo(Instant.parse("2024-03-01T10:15:42.123456789Z"));
        assertThat(s.lastEtag()).contains(new Etag("5d41402abc4b2a76b9719d911017c592"));
        assertThat(s.lastConfiguration()).contains(ConfigurationName.of("web"));
        assertThat(s.paused()).isEmpty();
        assertThat(List.of(s.minSleepSecs(), s.maxSleepSecs(), s.maxSleepAfterHours())).containsExactly(5L, 120L, 24L);
    }

    @Test
    void loadsRustPauses() {
        Fixtures.rustConfig("config-paused-indefinitely.json", dir.resolve("config.json"));
        Settings indefinitely = DataDir.open(dir).loadSettings();
        assertThat(indefinitely.paused()).contains(new Pause.Indefinitely());
        assertThat(indefinitely.remoteRegion()).isEmpty();
        assertThat(indefinitely.lastEtag()).isEmpty();
        assertThat(indefinitely.lastReconfiguration()).isEqualTo(Instant.parse("2024-02-11T08:00:01.5Z"));

        Fixtures.rustConfig("config-paused-until.json", dir.resolve("config.json"));
        Settings until = DataDir.open(dir).loadSettings();
        assertThat(until.paused()).contains(new Pause.Until(Instant.parse("2099-01-01T00:00:00Z")));
        assertThat(until.pauseAt(Instant.parse("2098-12-31T23:59:59Z"))).isPresent();
        assertThat(until.pauseAt(Instant.parse("2099-01-01T00:00:00Z"))).isEmpty();
    }

    @Test
    void rustFilesRoundTripToTheSameJson() throws Exception {
        for (String name : List.of("config-active.json", "config-paused-indefinitely.json", "config-paused-until.json")) {
            Path file = Fixtures.rustConfig(name, dir.resolve("config.json"));
            DataDir dataDir = DataDir.open(dir);
            dataDir.storeSettings(dataDir.loadSettings());

            Map<?, ?> written = (Map<?, ?>) Json.parse(Files.readAllBytes(file));
            Map<?, ?> original = (Map<?, ?>) Json.parse(Fixtures.rustConfigBytes(name));
            assertThat(fieldNames(written)).as(name).containsExactlyElementsOf(fieldNames(original));
            for (String field : fieldNames(original)) {
                if (field.equals("last_reconfiguration")) {
                    assertThat(Instant.parse((String) written.get(field))).isEqualTo(Instant.parse((String) original.get(field)));
                } else {
                    assertThat(written.get(field)).as(name + " " + field).isEqualTo(original.get(field));
                }
            }
        }
    }

    @Test
    void ourFieldsAreOptionalAndSurviveARoundTrip() {
        DataDir dataDir = DataDir.open(dir);
        Settings s = Settings.empty()
                .withRemote(RemoteUri.parse("file:///srv/npcnix/dev.npcnix"))
                .withConfiguration(ConfigurationName.of("db-1"))
                .withActivationOptions(List.of("https://cache.example.com"), List.of("cache.example.com-1:abc="))
                .withTrustedPublicKeys(List.of("ci-1:AAAA"))
                .withS3Endpoint(Optional.of("http://127.0.0.1:9000"))
                .withPausedFor(Instant.parse("2026-01-01T00:00:00Z"), Duration.ofMinutes(90))
                .withLastReconfiguration(Instant.parse("2026-01-01T00:00:00.5Z"), new Etag("abc"), ConfigurationName.of("db-1"));
        dataDir.storeSettings(s);
        assertThat(dataDir.loadSettings()).isEqualTo(s);
        assertThat(s.paused()).contains(new Pause.Until(Instant.parse("2026-01-01T01:30:00Z")));
    }

    @Test
    void unknownFieldsAreIgnoredAndBadOnesNamed() throws Exception {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "{\"remote\": null, \"last_reconfiguration\": \"2024-01-01T00:00:00Z\", \"last_etag\": \"\", \"future_field\": 1}");
        assertThat(DataDir.open(dir).loadSettings().remote()).isEmpty();

        Files.writeString(file, "{\"remote\": \"ftp://x/y\"}");
        assertThatThrownBy(() -> DataDir.open(dir).loadSettings()).isInstanceOf(StateException.class)
                .hasMessageContaining("config.json").hasMessageContaining("protocol not supported");

        Files.writeString(file, "{\"remote\": ");
        assertThatThrownBy(() -> DataDir.open(dir).loadSettings()).isInstanceOf(StateException.class)
                .hasMessageContaining("config.json").hasMessageContaining("not valid JSON");
    }

    @Test
    void garbageIsOneLineWithTheFileThePlaceAndTheWayOut() throws Exception {
        Path file = dir.resolve("config.json");
        String recover = " (fix the file, or run npcnix bootstrap --remote URI --configuration NAME: it moves the file aside and starts over)";
        Map<String, String> cases = Map.of(
                "{\n  \"remote\": \"s3://b/k.npcnix\",\n  x\n}\n", "not valid JSON at line 3, column 3: unexpected 'x'",
                "{\n  \"remote\": \"s3://b/k.npcnix\",\n", "not valid JSON at line 3, column 1: the document ends early",
                "", "not valid JSON at line 1, column 1: the document is empty",
                "{} trailing", "not valid JSON at line 1, column 4: unexpected 'trailing'",
                "{\n  \"configuration\": \"web\",\n  \"min_sleep_secs\": \"soon\"\n}", "at line 3, column 3, field min_sleep_secs:",
                "{\"remote\": \"ftp://x/y\"}", "at line 1, column 2, remote ftp://x/y: protocol not supported: ftp");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Files.writeString(file, c.getKey());
            assertThatThrownBy(() -> DataDir.open(dir).loadSettings()).as(c.getKey()).isInstanceOf(StateException.class)
                    .hasMessageStartingWith(file + ": " + c.getValue())
                    .hasMessageEndingWith(recover)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "Jackson", "jackson", "code 120", "Exception"));
        }
    }

    @Test
    void aCorruptFileIsMovedAsideNeverDeletedAndAValidOneIsLeftAlone() throws Exception {
        DataDir data = DataDir.open(dir);
        data.storeSettings(Settings.empty().withRemote(RemoteUri.parse("s3://b/k.npcnix")));
        data.storeState(HostState.empty().withHighestSequence(4));
        Instant now = Instant.parse("2026-03-01T12:34:56Z");
        assertThat(data.setAsideCorrupt(now)).as("nothing to repair").isEmpty();

        Files.writeString(dir.resolve("config.json"), "{\"remote\": ");
        assertThat(data.setAsideCorrupt(now)).containsExactly(dir.resolve("config.json")
                + " did not parse (not valid JSON at line 1, column 12: the document ends early):"
                + " moved it to config.json.corrupt-20260301T123456Z and started over");
        assertThat(dir.resolve("config.json.corrupt-20260301T123456Z")).hasContent("{\"remote\": ");
        assertThat(dir.resolve("config.json")).doesNotExist();
        assertThat(data.loadSettings()).isEqualTo(Settings.empty());
        assertThat(data.loadState().highestSequence()).as("the valid state.json stays").isEqualTo(4);
    }

    @Test
    void initOnlySetsWhatIsUnset() {
        RemoteUri a = RemoteUri.parse("s3://b/a.npcnix");
        RemoteUri b = RemoteUri.parse("s3://b/b.npcnix");
        Settings s = Settings.empty().withRemote(a, true);
        assertThat(s.withRemote(b, true).remote()).contains(a);
        assertThat(s.withRemote(b, false).remote()).contains(b);
        ConfigurationName web = ConfigurationName.of("web");
        assertThat(Settings.empty().withConfiguration(web, true).withConfiguration(ConfigurationName.of("db"), true).configuration())
                .contains(web);
    }

    private static List<String> fieldNames(Map<?, ?> node) {
        List<String> names = new ArrayList<>();
        node.keySet().forEach(k -> names.add((String) k));
        return names;
    }

    @Test
    void healthAndRebootSettingsAreOptionalFieldsThatRoundTrip() throws Exception {
        DataDir data = DataDir.open(dir);
        Settings plain = Settings.empty().withRemote(RemoteUri.parse("s3://b/prod.npcnix")).withConfiguration(ConfigurationName.of("web"));
        data.storeSettings(plain);
        String without = Files.readString(dir.resolve("config.json"));
        assertThat(without).as("no checks, never reboot: nothing written (the Rust npcnix's file as it was)")
                .doesNotContain("health").doesNotContain("reboot");

        dev.npcnix.health.HealthSettings health = new dev.npcnix.health.HealthSettings(true, List.of("flaky-*.service"), 1,
                List.of(java.net.URI.create("http://127.0.0.1:8080/health")), Duration.ofMillis(2500), List.of("systemctl is-active db"),
                Duration.ofSeconds(30), true, Duration.ofSeconds(20), Duration.ofMinutes(10), Duration.ofSeconds(15));
        dev.npcnix.system.RebootSettings reboot = new dev.npcnix.system.RebootSettings(dev.npcnix.system.RebootPolicy.WHEN_NEEDED,
                Optional.of(dev.npcnix.system.RebootWindow.parse("02:00-04:00")));
        data.storeSettings(plain.withHealth(health).withReboot(reboot));

        Settings read = DataDir.open(dir).loadSettings();
        assertThat(read.health()).isEqualTo(health);
        assertThat(read.reboot()).isEqualTo(reboot);
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(Files.readAllBytes(dir.resolve("config.json")));
        @SuppressWarnings("unchecked")
        Map<String, Object> healthJson = (Map<String, Object>) json.get("health");
        @SuppressWarnings("unchecked")
        Map<String, Object> rebootJson = (Map<String, Object>) json.get("reboot");
        assertThat(healthJson).containsEntry("http_timeout_secs", 2.5).containsEntry("deadline_secs", 600L)
                .containsEntry("systemd", true);
        assertThat(rebootJson).containsEntry("policy", "when-needed").containsEntry("window", "02:00-04:00");
        // the Rust npcnix's own fields are where they were, in its order
        assertThat(new ArrayList<String>(json.keySet()).subList(0, 9)).containsExactly("remote", "remote_region", "configuration",
                "last_reconfiguration", "last_etag", "last_configuration", "min_sleep_secs", "max_sleep_secs", "max_sleep_after_hours");
    }

    @Test
    void aMalformedHealthFieldNamesIt() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"remote\": null, \"health\": {\"systemd\": \"yes\"}}");
        assertThatThrownBy(() -> DataDir.open(dir).loadSettings()).isInstanceOf(StateException.class)
                .hasMessageContaining("health.systemd: expected true or false");
        Files.writeString(dir.resolve("config.json"), "{\"remote\": null, \"reboot\": {\"policy\": \"often\"}}");
        assertThatThrownBy(() -> DataDir.open(dir).loadSettings()).isInstanceOf(StateException.class)
                .hasMessageContaining("reboot 'often'");
    }
}
