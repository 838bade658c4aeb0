package dev.npcnix.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.junit.jupiter.api.Test;

/** The provider {@code Main} names in {@code slf4j.provider}: the same configuration Logback's search finds through {@link LogDefaults}. */
class LogProviderTest {
    @Test
    void itGivesWarnToStderrInNpcnixFormatWithoutLogbacksSearch() {
        LogProvider provider = new LogProvider();
        provider.initialize();

        LoggerContext ctx = (LoggerContext) provider.getLoggerFactory();
        assertThat(ctx.isStarted()).isTrue();
        assertThat(ctx.getMDCAdapter()).isSameAs(provider.getMDCAdapter());
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
        assertThat(ctx.getLogger("dev.npcnix").getLevel()).isEqualTo(Level.WARN);
        ConsoleAppender<?> stderr = (ConsoleAppender<?>) root.getAppender("stderr");
        assertThat(stderr.getTarget()).isEqualTo("System.err");
        assertThat(((LayoutWrappingEncoder<?>) stderr.getEncoder()).getLayout()).isInstanceOf(LogLineLayout.class);
        assertThat(root.iteratorForAppenders()).toIterable().hasSize(1);
        // Logback's own initialisation leaves status messages about its configurator search.
        assertThat(ctx.getStatusManager().getCopyOfStatusList())
                .noneSatisfy(s -> assertThat(s.getMessage()).containsIgnoringCase("configurator"));
    }

    @Test
    void logSetupReconfiguresIt() {
        LogProvider provider = new LogProvider();
        provider.initialize();
        LoggerContext ctx = (LoggerContext) provider.getLoggerFactory();

        LogSetup.install(ctx, java.util.Map.of(), Level.INFO); // as configure does after its reset
        assertThat(ctx.getLogger("dev.npcnix").getLevel()).isEqualTo(Level.INFO);
        assertThat(provider.getRequestedApiVersion()).startsWith("2.0");
    }
}
