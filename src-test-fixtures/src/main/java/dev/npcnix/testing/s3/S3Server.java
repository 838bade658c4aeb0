package dev.npcnix.testing.s3;

import dev.npcnix.testing.http.CountingHttpProxy;
import dev.npcnix.testing.http.Traffic;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.util.Map;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * An S3-compatible server in the test JVM: S3Proxy over an in-memory blob store, AWS SigV4 auth
 * with the test keys below, behind a {@link CountingHttpProxy} so tests can count requests and
 * response body bytes. Clients use {@link #endpoint()} with path-style access and any region.
 *
 * <p>The keys are made up and only valid here. Code under test must never log them or put them in
 * messages; tests grep for {@link #ACCESS_KEY} and {@link #SECRET_KEY} to prove it.
 */
public final class S3Server implements AutoCloseable {
    /** Access key id the server accepts. */
    public static final String ACCESS_KEY = "AKIANPCNIXTESTKEY000";
    /** Secret key the server accepts. */
    public static final String SECRET_KEY = "npcnixTestSecret/DoNotLog+0123456789abcdef";
    /** Any region works; this is the one tests configure. */
    public static final String REGION = "us-east-1";

    private final BlobStore blobStore;
    private final S3Proxy s3Proxy;
    private final CountingHttpProxy proxy;

    private S3Server(BlobStore blobStore, S3Proxy s3Proxy, CountingHttpProxy proxy) {
        this.blobStore = blobStore;
        this.s3Proxy = s3Proxy;
        this.proxy = proxy;
    }

    /** Starts S3Proxy on a free port of 127.0.0.1 and the counting proxy in front of it. */
    public static S3Server start() {
        return start(new TransientNio2BlobStore());
    }

    /**
     * As {@link #start()}, with the objects' LastModified times taken from {@code clock} instead of the
     * wall clock: a simulation on a virtual clock sees the store's times move with it. S3Proxy's in-memory
     * store is built on jimfs, whose file times come from a {@code FileTimeSource}; S3Proxy only lets its
     * own no-argument constructor choose the file system, so the one taking it is called by reflection.
     */
    public static S3Server start(java.util.function.Supplier<java.time.Instant> clock) {
        java.nio.file.FileSystem fs = com.google.common.jimfs.Jimfs.newFileSystem(com.google.common.jimfs.Configuration.unix()
                .toBuilder().setAttributeViews("posix", "user").setWorkingDirectory("/")
                .setFileTimeSource(() -> java.nio.file.attribute.FileTime.from(clock.get())).build());
        try {
            var ctor = TransientNio2BlobStore.class.getDeclaredConstructor(java.nio.file.FileSystem.class);
            ctor.setAccessible(true);
            return start(ctor.newInstance(fs));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("S3Proxy's in-memory store cannot take a file system here: " + e, e);
        }
    }

    private static S3Server start(BlobStore blobStore) {
        S3Proxy s3Proxy = S3Proxy.builder()
                .blobStore(blobStore)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V4, ACCESS_KEY, SECRET_KEY)
                .ignoreUnknownHeaders(true)
                .stopTimeout(0)
                .build();
        try {
            s3Proxy.start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!"STARTED".equals(s3Proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start: " + s3Proxy.getState());
                }
                Thread.onSpinWait();
            }
            return new S3Server(blobStore, s3Proxy, CountingHttpProxy.start("127.0.0.1", s3Proxy.getPort()));
        } catch (Exception e) {
            stopQuietly(s3Proxy);
            throw new IllegalStateException("cannot start the test S3 server", e);
        }
    }

    /** The endpoint clients use ({@code http://127.0.0.1:PORT}, the counting proxy). */
    public URI endpoint() {
        return proxy.uri();
    }

    /** S3Proxy itself, bypassing the counting proxy. */
    public URI directEndpoint() {
        return URI.create("http://127.0.0.1:" + s3Proxy.getPort());
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    public String region() {
        return REGION;
    }

    /**
     * The environment an npcnix process needs to reach this server: its test credentials, region and
     * {@code AWS_ENDPOINT_URL_S3} (the counting proxy).
     */
    public Map<String, String> clientEnv() {
        return Map.of(
                "AWS_ACCESS_KEY_ID", ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", SECRET_KEY,
                "AWS_REGION", REGION,
                "AWS_ENDPOINT_URL_S3", endpoint().toString());
    }

    /** Creates a bucket directly in the blob store (no request is counted). */
    public void createBucket(String name) {
        blobStore.createContainer(name);
    }

    /**
     * Stores {@code bytes} as an object directly in the blob store (no request is counted), for content
     * no publisher would make (hostile archives).
     *
     * @return the object's ETag, as GetObject will return it
     */
    public String putObject(String bucket, String key, byte[] bytes) {
        return blobStore.putBlob(PutObjectRequest.builder().bucket(bucket).key(key).contentLength((long) bytes.length)
                .contentType("application/zstd").build(), new ByteArrayInputStream(bytes)).eTag();
    }

    /** Requests and response body bytes since start or the last {@link #resetTraffic()}. */
    public Traffic traffic() {
        return proxy.traffic();
    }

    public void resetTraffic() {
        proxy.resetTraffic();
    }

    /** The next response with a body is cut after {@code keepBytes} bytes and its connection closed. */
    public void truncateNextResponseBody(long keepBytes) {
        proxy.truncateNextResponseBody(keepBytes);
    }

    /** Makes the server unreachable (connections reset) or brings it back on the same endpoint. */
    public void setDown(boolean down) {
        proxy.setDown(down);
    }

    public void stop() {
        proxy.close();
        stopQuietly(s3Proxy);
        blobStore.close();
    }

    @Override
    public void close() {
        stop();
    }

    private static void stopQuietly(S3Proxy s3Proxy) {
        try {
            s3Proxy.stop();
        } catch (Exception e) {
            // stopping a test server; nothing to do
        }
    }
}
