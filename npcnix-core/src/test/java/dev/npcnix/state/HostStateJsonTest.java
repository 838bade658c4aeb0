package dev.npcnix.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.npcnix.StateException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** state.json is written and read by hand: both directions must agree on every field, and with the format data binding wrote. */
class HostStateJsonTest {
    @TempDir
    Path tmp;

    private static HostState full() {
        return HostState.empty()
                .withAttempt(new HostState.Attempt(Instant.parse("2026-01-02T03:04:05.123456789Z"), 1234, "s3://b/k.npcnix",
                        "0123abcd", "beef", "web", "switch", HostState.Result.ACTIVATED, null, null))
                .withAttempt(new HostState.Attempt(Instant.parse("2026-01-03T00:00:00Z"), 7, "file:///srv/x.npcnix",
                        "e2", "sha2", "web-canary", "boot", HostState.Result.FAILED, "deterministic", "nixos-rebuild exited 1: \"x\"\n"))
                .withQuarantine(new HostState.Quarantine("s3://b/k.npcnix", "e2", "sha2", "web-canary",
                        Instant.parse("2026-01-03T00:00:01Z"), "boom ü"))
                .withHighestSequence(42)
                .withLastSeen(new HostState.LastSeen("s3://b/k.npcnix", "e2", "web-canary"));
    }

    @Test
    void whatIsWrittenReadsBackEqual() throws Exception {
        for (HostState s : new HostState[] {HostState.empty(), full()}) {
            assertThat(HostStateJson.read(HostStateJson.write(s))).isEqualTo(s);
        }
    }

    @Test
    void theBytesAreThoseDataBindingWroteBefore() throws Exception {
        ObjectMapper binding = new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(SerializationFeature.INDENT_OUTPUT);
        HostState withNulls = full().withQuarantine(new HostState.Quarantine("r", null, null, "web", null, null))
                .withLastSeen(new HostState.LastSeen("r", null, null));
        for (HostState s : new HostState[] {HostState.empty(), full(), withNulls}) {
            assertThat(new String(HostStateJson.write(s), StandardCharsets.UTF_8)).isEqualTo(binding.writeValueAsString(s));
        }
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
            assertThat(a.etag()).isEqualTo("e");
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
                "{\"quarantined\": [{\"at\": \"yesterday\"}]}", "{} {}"}) {
            Files.writeString(file, bad);
            assertThatThrownBy(dir::loadState).as(bad).isInstanceOf(StateException.class)
                    .hasMessageContaining("state.json").hasMessageContaining("not a valid state file");
        }
    }
}
