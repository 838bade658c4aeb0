package dev.npcnix.testing.s3;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link S3Server} per test class:
 * <pre>{@code
 * @RegisterExtension
 * static final S3ServerExtension S3 = new S3ServerExtension();
 * ... S3.server().endpoint() ...
 * }</pre>
 */
public final class S3ServerExtension implements BeforeAllCallback, AfterAllCallback {
    private S3Server server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = S3Server.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /** The running server; only between beforeAll and afterAll. */
    public S3Server server() {
        if (server == null) {
            throw new IllegalStateException("S3 server not running: register the extension as a static field");
        }
        return server;
    }
}
