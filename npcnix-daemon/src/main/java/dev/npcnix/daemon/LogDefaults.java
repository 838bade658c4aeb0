package dev.npcnix.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;

/**
 * Logback's configuration before {@link LogSetup} runs: WARN to stderr in npcnix's format. Logback
 * finds it through {@code META-INF/services/ch.qos.logback.classic.spi.Configurator} at the first
 * {@code LoggerFactory} use and then skips its own search (logback.xml, Joran, BasicConfigurator),
 * whose classes would stay loaded in the daemon for nothing: {@code LogSetup} replaces the result as
 * soon as a command starts.
 *
 * <p>A class path with a {@code logback-test.xml} (every module's tests, through npcnix-test-fixtures)
 * or a {@code -Dlogback.configurationFile} keeps Logback's own configuration: those files carry the
 * test levels and the test log capture.
 */
public final class LogDefaults extends ContextAwareBase implements Configurator {
    /** Public, without arguments: made by {@link java.util.ServiceLoader}. */
    public LogDefaults() {
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        return configure(context, System.getProperty("logback.configurationFile"), LogDefaults.class.getClassLoader(), System.getenv());
    }

    static ExecutionStatus configure(LoggerContext context, String configurationFile, ClassLoader loader, Map<String, String> env) {
        if (configurationFile != null || loader.getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LogSetup.install(context, env, Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
