package dev.npcnix.testing.ec2;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 standing in for the EC2 instance metadata service, speaking IMDSv2:
 * {@code PUT /latest/api/token} with {@code X-aws-ec2-metadata-token-ttl-seconds} returns a session
 * token; every {@code GET} must carry it in {@code X-aws-ec2-metadata-token}, else 401 (as IMDS does
 * when IMDSv1 is disabled). Serves the paths given with {@link #put}, 404 for the others
 * (e.g. user data never set, a tag that does not exist, tags not allowed in metadata). Can fail the
 * next requests with a status, to exercise the client's retries.
 */
public final class FakeImds implements AutoCloseable {
    private static final String TOKEN = "AQAEAFakeImdsSessionToken==";

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, String> paths = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger failNext = new AtomicInteger();
    private volatile int failStatus = 500;

    private FakeImds() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-imds");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    public static FakeImds start() throws IOException {
        FakeImds imds = new FakeImds();
        imds.server.start();
        return imds;
    }

    /** {@code http://127.0.0.1:PORT}: the value for {@code AWS_EC2_METADATA_SERVICE_ENDPOINT}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Serves {@code body} at {@code path}, e.g. {@code /latest/meta-data/instance-id}. */
    public FakeImds put(String path, String body) {
        paths.put(path, body);
        return this;
    }

    /** The next {@code count} requests (token or data) fail with {@code status}. */
    public FakeImds failNext(int count, int status) {
        failStatus = status;
        failNext.set(count);
        return this;
    }

    /** Every request so far, as {@code METHOD PATH}. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            requests.add(method + " " + path);
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(exchange, failStatus, "");
                return;
            }
            if (path.equals("/latest/api/token")) {
                String ttl = exchange.getRequestHeaders().getFirst("X-aws-ec2-metadata-token-ttl-seconds");
                if (!method.equals("PUT") || ttl == null) {
                    send(exchange, 400, "");
                    return;
                }
                exchange.getResponseHeaders().add("X-aws-ec2-metadata-token-ttl-seconds", ttl);
                send(exchange, 200, TOKEN);
                return;
            }
            if (!TOKEN.equals(exchange.getRequestHeaders().getFirst("X-aws-ec2-metadata-token"))) {
                send(exchange, 401, "");
                return;
            }
            String body = paths.get(path);
            if (!method.equals("GET") || body == null) {
                send(exchange, 404, "");
                return;
            }
            send(exchange, 200, body);
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
