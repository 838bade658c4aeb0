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

    @Test
    void levelsArePaddedToFiveAndLoggersShortenedToTheirLastPart() {
        String out = logWith(Map.of("INVOCATION_ID", "0123"), Level.DEBUG);
        assertThat(out.lines()).containsExactly(
                "<3>ERROR Follower: poll failed", "<6>INFO  Follower: activated", "<7>DEBUG Follower: remote unchanged");
        LoggerFactory.getLogger("nixos-rebuild").warn("building");
        assertThat(captured.toString(StandardCharsets.UTF_8)).endsWith("<4>WARN  nixos-rebuild: building" + System.lineSeparator());
    }

    @Test
    void underSystemdNoLineCarriesATimestamp() {
        String out = logWith(Map.of("JOURNAL_STREAM", "8:42"), Level.DEBUG);
        assertThat(out.lines()).hasSize(3).allSatisfy(l -> assertThat(l).matches("<[367]>[A-Z]+ +Follower: .*"));
        assertThat(out).doesNotContainPattern("\\d\\d:\\d\\d");
    }

    @Test
    void anExceptionsStackTraceFollowsItsLine() {
        String out = logWith(Map.of("JOURNAL_STREAM", "8:42"), Level.INFO);
        captured.reset();
        Exception cause = new java.io.IOException("disk full");
        LoggerFactory.getLogger("dev.npcnix.daemon.FollowLoop").error("activation failed", new IllegalStateException("state", cause));
        String nl = System.lineSeparator();
        out = captured.toString(StandardCharsets.UTF_8);
        assertThat(out).startsWith("<3>ERROR FollowLoop: activation failed" + nl
                        + "java.lang.IllegalStateException: state" + nl
                        + "\tat dev.npcnix.daemon.LogSetupTest.anExceptionsStackTraceFollowsItsLine(LogSetupTest.java:")
                .contains(nl + "Caused by: java.io.IOException: disk full" + nl + "\tat dev.npcnix.daemon.LogSetupTest.")
                .endsWith(" common frames omitted" + nl);
    }
}
