package dev.npcnix.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import dev.npcnix.testing.LogCapture;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogDefaultsTest {
    /** Sees the JDK's resources only: no logback-test.xml, as in the distribution. */
    private static final ClassLoader NO_TEST_CONFIG = new ClassLoader(null) { };

    @Test
    void logbackFindsItAsAService() {
        List<Class<?>> found = new ArrayList<>();
        for (Configurator c : ServiceLoader.load(Configurator.class, LogDefaults.class.getClassLoader())) {
            found.add(c.getClass());
        }
        assertThat(found).containsExactly(LogDefaults.class);
    }

    @Test
    void withoutATestConfigurationItInstallsWarnToStderrInNpcnixFormatAndEndsTheSearch() {
        LoggerContext ctx = new LoggerContext();
        ExecutionStatus status = LogDefaults.configure(ctx, null, NO_TEST_CONFIG, Map.of("JOURNAL_STREAM", "8:42"));
        assertThat(status).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
        assertThat(ctx.getLogger("dev.npcnix").getLevel()).isEqualTo(Level.WARN);
        ConsoleAppender<?> stderr = (ConsoleAppender<?>) root.getAppender("stderr");
        assertThat(stderr.getTarget()).isEqualTo("System.err");
        assertThat(((LayoutWrappingEncoder<?>) stderr.getEncoder()).getLayout()).isInstanceOf(LogLineLayout.class);
    }

    @Test
    void aTestConfigurationOrAConfigurationFileIsLeftToLogback() {
        LoggerContext ctx = new LoggerContext();
        assertThat(LogDefaults.configure(ctx, null, LogDefaults.class.getClassLoader(), Map.of()))
                .isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(LogDefaults.configure(ctx, "/etc/logback.xml", NO_TEST_CONFIG, Map.of()))
                .isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
    }

    @Test
    void testsKeepTheirLogCapture() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        assertThat(ctx.getCopyOfListenerList()).anySatisfy(l -> assertThat(l).isInstanceOf(LogCapture.class));
    }
}
