package dev.npcnix.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogSetupTest {
    private final PrintStream realErr = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @AfterEach
    void restore() {
        System.setErr(realErr);
        LogSetup.configure(Map.of(), Level.WARN);
    }

    private String logWith(Map<String, String> env, Level level) {
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        LogSetup.configure(env, level);
        org.slf4j.Logger log = LoggerFactory.getLogger("dev.npcnix.follow.Follower");
        log.error("poll failed");
        log.info("activated");
        log.debug("remote unchanged");
        LoggerFactory.getLogger("software.amazon.awssdk.Noise").info("sdk chatter");
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void underSystemdLinesCarryThePriorityAndNoTimestamp() {
        String out = logWith(Map.of("JOURNAL_STREAM", "8:42"), Level.INFO);
        assertThat(out.lines()).containsExactly("<3>ERROR Follower: poll failed", "<6>INFO  Follower: activated");
    }

    @Test
    void onATerminalLinesCarryATimeAndVerboseShowsDebug() {
        String out = logWith(Map.of(), Level.DEBUG);
        assertThat(out.lines()).hasSize(3).allSatisfy(l -> assertThat(l).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*"));
        assertThat(out).contains("DEBUG Follower: remote unchanged").doesNotContain("sdk chatter");
    }
}
