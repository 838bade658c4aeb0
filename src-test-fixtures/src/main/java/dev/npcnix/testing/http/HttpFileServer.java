package dev.npcnix.testing.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A static file server over a directory, on a free port of 127.0.0.1, standing in for a web server
 * or CDN: GET and HEAD with a strong ETag (hex SHA-256 of the content, quoted), {@code If-None-Match}
 * answered with 304, 404 for missing files. Counts requests and body bytes. For error tests it can
 * answer every request with a fixed status, or behave like a server without ETags (Last-Modified and
 * {@code If-Modified-Since} only).
 */
public final class HttpFileServer implements AutoCloseable {
    private final Path root;
    private final HttpServer server;
    private final ExecutorService executor;
    private final TrafficCounter traffic = new TrafficCounter();
    private volatile int forcedStatus;
    private volatile boolean etags = true;
    private volatile java.util.function.BooleanSupplier down = () -> false;

    private HttpFileServer(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "http-file-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /** Serves the files under {@code root} at {@link #uri()}. */
    public static HttpFileServer start(Path root) throws IOException {
        HttpFileServer s = new HttpFileServer(root);
        s.server.start();
        return s;
    }

    /** {@code http://127.0.0.1:PORT/}. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    /** The URI serving {@code root/relative}. */
    public URI uri(String relative) {
        return uri().resolve(relative);
    }

    public Path root() {
        return root;
    }

    public Traffic traffic() {
        return traffic.snapshot();
    }

    public void resetTraffic() {
        traffic.reset();
    }

    /** Answers every request with {@code status} and a short text body; 0 serves files again. */
    public void respondWithStatus(int status) {
        this.forcedStatus = status;
    }

    /**
     * While {@code condition} holds, every request is answered {@code 503} (a store cut off from the host,
     * decided by what the test's host runs).
     */
    public void unavailableWhile(java.util.function.BooleanSupplier condition) {
        this.down = condition;
    }

    /** Without ETags the server sends Last-Modified and honours If-Modified-Since only. */
    public void sendEtags(boolean send) {
        this.etags = send;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            traffic.request(method, ex.getRequestURI().getRawPath());
            boolean head = "HEAD".equals(method);
            if (forcedStatus != 0) {
                send(ex, forcedStatus, ("status " + forcedStatus + "\n").getBytes(), head);
                return;
            }
            if (down.getAsBoolean()) {
                send(ex, 503, "unavailable\n".getBytes(), head);
                return;
            }
            if (!head && !"GET".equals(method)) {
                send(ex, 405, "method not allowed\n".getBytes(), false);
                return;
            }
            Path file = root.resolve(ex.getRequestURI().getPath().substring(1)).normalize();
            byte[] content;
            Instant modified;
            try {
                if (!file.startsWith(root) || Files.isDirectory(file)) {
                    throw new NoSuchFileException(file.toString());
                }
                modified = Files.getLastModifiedTime(file).toInstant().truncatedTo(ChronoUnit.SECONDS);
                content = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                send(ex, 404, "not found\n".getBytes(), head);
                return;
            }
            if (etags) {
                String etag = '"' + sha256(content) + '"';
                ex.getResponseHeaders().set("ETag", etag);
                String inm = ex.getRequestHeaders().getFirst("If-None-Match");
                if (inm != null && matches(inm, etag)) {
                    ex.sendResponseHeaders(304, -1);
                    return;
                }
            } else {
                String ims = ex.getRequestHeaders().getFirst("If-Modified-Since");
                if (ims != null && !modified.isAfter(ZonedDateTime.parse(ims, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant())) {
                    ex.sendResponseHeaders(304, -1);
                    return;
                }
            }
            ex.getResponseHeaders().set("Last-Modified",
                    DateTimeFormatter.RFC_1123_DATE_TIME.format(modified.atZone(ZoneOffset.UTC)));
            ex.getResponseHeaders().set("Content-Type", "application/zstd");
            send(ex, 200, content, head);
        }
    }

    private void send(HttpExchange ex, int status, byte[] body, boolean head) throws IOException {
        if (head) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        // Counted before it is sent: a client may have read it all before this thread runs on.
        traffic.responseBody(body.length);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static boolean matches(String ifNoneMatch, String etag) {
        return Arrays.stream(ifNoneMatch.split(","))
                .map(String::strip)
                .map(t -> t.startsWith("W/") ? t.substring(2) : t)
                .anyMatch(t -> t.equals("*") || t.equals(etag));
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
