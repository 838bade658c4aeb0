package dev.npcnix.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.CoreConstants;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J binding of the {@code npcnix} executable: Logback, configured by {@link LogSetup} directly.
 * {@code Main} names it in the {@code slf4j.provider} system property, so that SLF4J neither searches
 * the class path for providers nor runs Logback's own initialisation (its version checks, its
 * configurator search, and the status messages about how long that took): together a fifth of a
 * short command's start-up ({@code docs/performance.md}). The result is what {@link LogDefaults} gives
 * through Logback's search: WARN to stderr in npcnix's format, until a command calls
 * {@link LogSetup#configure}. Without the property (a library user, the tests) Logback's own provider
 * runs as usual.
 */
public final class LogProvider implements SLF4JServiceProvider {
    /** The value of {@code slf4j.provider} that selects this provider. */
    public static final String PROPERTY = "slf4j.provider";

    private final LoggerContext context = new LoggerContext();
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final LogbackMDCAdapter mdc = new LogbackMDCAdapter();

    /** Public, without arguments: made by SLF4J from the class name. */
    public LogProvider() {
    }

    @Override
    public void initialize() {
        context.setName(CoreConstants.DEFAULT_CONTEXT_NAME);
        context.setMDCAdapter(mdc);
        LogSetup.install(context, System.getenv(), Level.WARN);
        context.start();
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return context;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }
}
