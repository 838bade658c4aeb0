package dev.npcnix.store;

import dev.npcnix.local.LocalFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-only {@code https://} and {@code http://} remotes on any static web server or CDN, through
 * one {@link HttpClient} (redirects followed, except from https to http).
 *
 * <p>A poll is one GET with {@code If-None-Match}; 304 means unchanged. A 200 whose ETag equals the
 * one we hold is also unchanged (for servers that ignore the condition) and its body is not read.
 *
 * <p><b>Servers without ETags.</b> When a response has no {@code ETag} but has {@code Last-Modified},
 * the ETag is synthetic: {@code lm-<epoch seconds>-<content length>} (without the length when it is
 * not sent). Such a tag cannot be sent as {@code If-None-Match}; polls send
 * {@code If-Modified-Since} with its time instead, so a server that honours it still answers 304. A
 * server that honours neither sends the whole body on every poll, which we then close unread when
 * the synthetic tag is unchanged. A response with neither header fails: changes could not be seen.
 *
 * <p>Bodies have a read timeout ({@link StallGuard}): {@code java.net.http} has none of its own.
 */
final class HttpStore implements RemoteStore, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpStore.class);
    private static final String USER_AGENT = "npcnix";
    private static final Pattern SYNTHETIC = Pattern.compile("lm-(\\d{1,19})(?:-(\\d{1,19}))?");

    private final HttpClient client;
    private final Duration readTimeout;
    private final ScheduledExecutorService timer;

    HttpStore(StoreSettings settings) {
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(settings.connectTimeout())
                .build();
        this.readTimeout = settings.readTimeout();
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "npcnix-http-read-timeout");
            thread.setDaemon(true);
            return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
    }

    @Override
    public FetchResult fetch(RemoteUri remote, Optional<Etag> ifNoneMatch) {
        HttpRequest.Builder request = request(remote).GET();
        ifNoneMatch.ifPresent(etag -> syntheticTime(etag).ifPresentOrElse(
                time -> request.header("If-Modified-Since", DateTimeFormatter.RFC_1123_DATE_TIME.format(time.atZone(ZoneOffset.UTC))),
                () -> request.header("If-None-Match", etag.quoted())));
        HttpResponse<InputStream> response = send(remote, request.build(), HttpResponse.BodyHandlers.ofInputStream());
        int status = response.statusCode();
        if (status == 304 && ifNoneMatch.isPresent()) {
            LocalFiles.closeQuietly(response.body());
            LOG.debug("{}: unchanged ({})", remote, ifNoneMatch.get());
            return new FetchResult.Unchanged(ifNoneMatch.get());
        }
        if (status != 200) {
            LocalFiles.closeQuietly(response.body());
            throw statusFailure(remote, response);
        }
        Etag etag;
        try {
            etag = etagOf(remote, response.headers());
            String encoding = response.headers().firstValue("Content-Encoding").orElse("identity");
            if (!encoding.equalsIgnoreCase("identity")) {
                throw new StoreException(remote, StoreException.Reason.OTHER,
                        "the server sent Content-Encoding " + Redact.message(encoding) + " though none was asked for", null);
            }
        } catch (StoreException e) {
            LocalFiles.closeQuietly(response.body());
            throw e;
        }
        if (ifNoneMatch.isPresent() && ifNoneMatch.get().equals(etag)) {
            LocalFiles.closeQuietly(response.body()); // the server ignored the condition; we have these bytes
            LOG.debug("{}: unchanged ({}, server ignored the condition)", remote, etag);
            return new FetchResult.Unchanged(etag);
        }
        long size = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        LOG.debug("{}: downloading {} bytes, ETag {}", remote, size, etag);
        InputStream body = new CheckedBody(new StallGuard(response.body(), readTimeout, timer), remote, size,
                null, null, e -> ioFailure(remote, e));
        return new FetchResult.Download(etag, size, body);
    }

    @Override
    public Optional<RemoteObject> head(RemoteUri remote) {
        HttpResponse<Void> response = send(remote,
                request(remote).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        int status = response.statusCode();
        if (status == 404 || status == 410) {
            return Optional.empty();
        }
        if (status != 200) {
            throw statusFailure(remote, response);
        }
        HttpHeaders headers = response.headers();
        return Optional.of(new RemoteObject(remote, etagOf(remote, headers),
                headers.firstValueAsLong("Content-Length").orElse(-1), lastModified(headers)));
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    @Override
    public RemoteObject publish(RemoteUri remote, Path archive, TransferListener listener) {
        throw RemoteStore.readOnly(remote);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    private HttpRequest.Builder request(RemoteUri remote) {
        return HttpRequest.newBuilder(remote.uri()).timeout(readTimeout).header("User-Agent", USER_AGENT);
    }

    private <T> HttpResponse<T> send(RemoteUri remote, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return client.send(request, handler);
        } catch (IOException e) {
            throw ioFailure(remote, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(remote, StoreException.Reason.UNREACHABLE, "interrupted", e);
        }
    }

    /** The response's ETag, else the synthetic one from Last-Modified and Content-Length. */
    static Etag etagOf(RemoteUri remote, HttpHeaders headers) {
        Etag etag = headers.firstValue("ETag").map(Etag::parse).orElse(null);
        if (etag != null) {
            return etag;
        }
        Optional<Instant> modified = lastModified(headers);
        if (modified.isEmpty()) {
            throw new StoreException(remote, StoreException.Reason.OTHER,
                    "the server sends neither ETag nor Last-Modified, so changes cannot be detected", null);
        }
        OptionalLong length = headers.firstValueAsLong("Content-Length");
        return new Etag("lm-" + modified.get().getEpochSecond() + (length.isPresent() ? "-" + length.getAsLong() : ""));
    }

    /** The Last-Modified time a synthetic ETag was made from. */
    static Optional<Instant> syntheticTime(Etag etag) {
        Matcher m = SYNTHETIC.matcher(etag.value());
        return m.matches() ? Optional.of(Instant.ofEpochSecond(Long.parseLong(m.group(1)))) : Optional.empty();
    }

    private static Optional<Instant> lastModified(HttpHeaders headers) {
        return headers.firstValue("Last-Modified").flatMap(v -> {
            try {
                return Optional.of(ZonedDateTime.parse(v.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        });
    }

    private static StoreException statusFailure(RemoteUri remote, HttpResponse<?> response) {
        int status = response.statusCode();
        if (status == 404 || status == 410) {
            return new StoreException(remote, StoreException.Reason.NOT_FOUND, "not found (HTTP " + status + ")", null);
        }
        if (status == 401 || status == 403) {
            return new StoreException(remote, StoreException.Reason.ACCESS_DENIED, "access denied (HTTP " + status + ")", null);
        }
        if (status >= 500 || status == 429) {
            return new StoreException(remote, StoreException.Reason.SERVER_ERROR, "server error (HTTP " + status + ")", null);
        }
        if (status >= 300 && status < 400) {
            String to = response.headers().firstValue("Location").map(l -> " to " + Redact.message(l)).orElse("");
            return new StoreException(remote, StoreException.Reason.OTHER,
                    "redirect not followed (HTTP " + status + to + "; https never redirects to http)", null);
        }
        return new StoreException(remote, StoreException.Reason.OTHER, "unexpected HTTP status " + status, null);
    }

    private static StoreException ioFailure(RemoteUri remote, Exception e) {
        if (e instanceof StoreException s) {
            return s;
        }
        String host = hostOf(remote.uri());
        String detail = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName()
                : Redact.message(e.getMessage());
        if (S3Errors.cause(e, java.net.UnknownHostException.class, java.nio.channels.UnresolvedAddressException.class).isPresent()) {
            return new StoreException(remote, StoreException.Reason.UNREACHABLE,
                    "cannot reach " + host + ": the host name does not resolve (DNS)", e);
        }
        if (e instanceof HttpConnectTimeoutException) {
            return new StoreException(remote, StoreException.Reason.UNREACHABLE, "cannot connect to " + host + ": timed out", e);
        }
        if (e instanceof HttpTimeoutException) {
            return new StoreException(remote, StoreException.Reason.UNREACHABLE, "no answer from " + host + ": " + detail, e);
        }
        if (e instanceof ConnectException) {
            return new StoreException(remote, StoreException.Reason.UNREACHABLE,
                    "cannot connect to " + host + ": " + (e.getMessage() == null ? "connection refused" : detail), e);
        }
        if (e instanceof SSLException) {
            return new StoreException(remote, StoreException.Reason.UNREACHABLE, "TLS with " + host + " failed: " + detail, e);
        }
        return new StoreException(remote, StoreException.Reason.UNREACHABLE, "connection to " + host + " failed: " + detail, e);
    }

    private static String hostOf(URI uri) {
        return uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    }
}
