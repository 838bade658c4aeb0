package dev.npcnix.store;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * Read-only {@code https://} and {@code http://} remotes on any static web server or CDN, through the
 * SDK's URL-connection client, the HTTP stack the S3 polls use too: one stack, and the lighter one for
 * an idle follower (docs/performance.md: ~9 MiB and ~500 classes less than {@code java.net.http}, whose
 * bodies also needed a watchdog thread for a read timeout). Its socket timeout bounds every read,
 * connect and body alike. Redirects are followed here, at most five, never from https to http.
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
 */
final class HttpStore implements RemoteStore, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpStore.class);
    private static final String USER_AGENT = "npcnix";
    private static final int MAX_REDIRECTS = 5;
    private static final Pattern SYNTHETIC = Pattern.compile("lm-(\\d{1,19})(?:-(\\d{1,19}))?");

    private final SdkHttpClient http;
    private final Duration connectTimeout;
    private final Duration readTimeout;

    HttpStore(StoreSettings settings) {
        this.http = UrlConnectionHttpClient.builder()
                .connectionTimeout(settings.connectTimeout())
                .socketTimeout(settings.readTimeout())
                .build();
        this.connectTimeout = settings.connectTimeout();
        this.readTimeout = settings.readTimeout();
    }

    @Override
    public FetchResult fetch(RemoteUri remote, Optional<Etag> ifNoneMatch) {
        Map<String, String> headers = new LinkedHashMap<>();
        ifNoneMatch.ifPresent(etag -> syntheticTime(etag).ifPresentOrElse(
                time -> headers.put("If-Modified-Since", DateTimeFormatter.RFC_1123_DATE_TIME.format(time.atZone(ZoneOffset.UTC))),
                () -> headers.put("If-None-Match", etag.quoted())));
        HttpAnswer answer = send(remote, SdkHttpMethod.GET, headers);
        int status = answer.status();
        if (status == 304 && ifNoneMatch.isPresent()) {
            answer.closeEmpty();
            LOG.debug("{}: unchanged ({})", remote, ifNoneMatch.get());
            return new FetchResult.Unchanged(ifNoneMatch.get());
        }
        if (status != 200) {
            answer.discard();
            throw statusFailure(remote, answer);
        }
        Etag etag;
        try {
            etag = etagOf(remote, answer);
            String encoding = answer.header("Content-Encoding").orElse("identity");
            if (!encoding.equalsIgnoreCase("identity")) {
                throw new StoreException(remote, StoreException.Reason.OTHER,
                        "the server sent Content-Encoding " + Redact.message(encoding) + " though none was asked for", null);
            }
        } catch (StoreException e) {
            answer.discard();
            throw e;
        }
        if (ifNoneMatch.isPresent() && ifNoneMatch.get().equals(etag)) {
            answer.discard(); // the server ignored the condition; we have these bytes
            LOG.debug("{}: unchanged ({}, server ignored the condition)", remote, etag);
            return new FetchResult.Unchanged(etag);
        }
        long size = answer.contentLength();
        LOG.debug("{}: downloading {} bytes, ETag {}", remote, size, etag);
        return new FetchResult.Download(etag, size,
                new CheckedBody(answer.stream(), remote, size, null, null, e -> ioFailure(remote, e)));
    }

    @Override
    public Optional<RemoteObject> head(RemoteUri remote) {
        HttpAnswer answer = send(remote, SdkHttpMethod.HEAD, Map.of());
        answer.closeEmpty();
        int status = answer.status();
        if (status == 404 || status == 410) {
            return Optional.empty();
        }
        if (status != 200) {
            throw statusFailure(remote, answer);
        }
        return Optional.of(new RemoteObject(remote, etagOf(remote, answer), answer.contentLength(), lastModified(answer)));
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    /** A plain GET; 404 and 410 are absent. */
    @Override
    public Optional<Stored> read(RemoteUri object, int maxBytes) {
        HttpAnswer answer = send(object, SdkHttpMethod.GET, Map.of());
        int status = answer.status();
        if (status == 404 || status == 410) {
            answer.discard();
            return Optional.empty();
        }
        if (status != 200) {
            answer.discard();
            throw statusFailure(object, answer);
        }
        try (java.io.InputStream in = answer.stream()) {
            byte[] content = in.readNBytes(maxBytes + 1);
            if (content.length > maxBytes) {
                answer.discard();
                throw new StoreException(object, StoreException.Reason.OTHER, "larger than " + maxBytes + " bytes", null);
            }
            Etag etag = answer.header("ETag").map(Etag::parse).orElseGet(() -> new Etag(
                    dev.npcnix.local.Digests.sha256Hex(content)));
            return Optional.of(new Stored(content, etag));
        } catch (IOException e) {
            throw ioFailure(object, e);
        }
    }

    @Override
    public RemoteObject write(RemoteUri object, byte[] content, String contentType, Condition condition) {
        throw RemoteStore.writeRefused(object);
    }

    /** A web server has no listing we could rely on. */
    @Override
    public java.util.List<Listed> list(RemoteUri remote, String folder) {
        throw new StoreException(remote, StoreException.Reason.UNSUPPORTED,
                "an http(s):// store cannot list " + folder + " (use the s3:// or file:// address of the same store)", null);
    }

    @Override
    public void delete(RemoteUri object) {
        throw RemoteStore.writeRefused(object);
    }

    @Override
    public RemoteObject copy(RemoteUri from, RemoteUri to, Etag ifMatch) {
        throw RemoteStore.writeRefused(to);
    }

    @Override
    public RemoteObject publish(RemoteUri remote, Path archive, TransferListener listener) {
        throw RemoteStore.readOnly(remote);
    }

    @Override
    public void close() {
        http.close();
    }

    /** Sends the request, following redirects (at most five, never from https to http). */
    private HttpAnswer send(RemoteUri remote, SdkHttpMethod method, Map<String, String> headers) {
        URI uri = remote.uri();
        for (int hop = 0; ; hop++) {
            SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(method).uri(uri).putHeader("User-Agent", USER_AGENT);
            headers.forEach(request::putHeader);
            HttpAnswer answer;
            try {
                answer = HttpAnswer.of(http.prepareRequest(HttpExecuteRequest.builder().request(request.build()).build()).call());
            } catch (IOException | RuntimeException e) {
                throw ioFailure(remote, e);
            }
            Optional<URI> next = redirect(uri, answer);
            if (next.isEmpty() || hop >= MAX_REDIRECTS) {
                return answer;
            }
            answer.discard();
            LOG.debug("{}: HTTP {} to {}", remote, answer.status(), Redact.message(next.get().toString()));
            uri = next.get();
        }
    }

    /** Where a redirect leads, when it may be followed. */
    private static Optional<URI> redirect(URI from, HttpAnswer answer) {
        int status = answer.status();
        if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
            return Optional.empty();
        }
        try {
            Optional<URI> to = answer.header("Location").map(l -> from.resolve(l.strip()));
            return to.filter(u -> u.getScheme() != null && u.getHost() != null)
                    .filter(u -> u.getScheme().equalsIgnoreCase("https")
                            || (u.getScheme().equalsIgnoreCase("http") && from.getScheme().equalsIgnoreCase("http")));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The response's ETag, else the synthetic one from Last-Modified and Content-Length. */
    static Etag etagOf(RemoteUri remote, HttpAnswer answer) {
        Etag etag = answer.header("ETag").map(Etag::parse).orElse(null);
        if (etag != null) {
            return etag;
        }
        Optional<Instant> modified = lastModified(answer);
        if (modified.isEmpty()) {
            throw new StoreException(remote, StoreException.Reason.OTHER,
                    "the server sends neither ETag nor Last-Modified, so changes cannot be detected", null);
        }
        long length = answer.contentLength();
        return new Etag("lm-" + modified.get().getEpochSecond() + (length >= 0 ? "-" + length : ""));
    }

    /** The Last-Modified time a synthetic ETag was made from. */
    static Optional<Instant> syntheticTime(Etag etag) {
        Matcher m = SYNTHETIC.matcher(etag.value());
        return m.matches() ? Optional.of(Instant.ofEpochSecond(Long.parseLong(m.group(1)))) : Optional.empty();
    }

    private static Optional<Instant> lastModified(HttpAnswer answer) {
        return answer.header("Last-Modified").flatMap(v -> {
            try {
                return Optional.of(ZonedDateTime.parse(v.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        });
    }

    private static StoreException statusFailure(RemoteUri remote, HttpAnswer answer) {
        int status = answer.status();
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
            String to = answer.header("Location").map(l -> " to " + Redact.message(l)).orElse("");
            return new StoreException(remote, StoreException.Reason.OTHER,
                    "redirect not followed (HTTP " + status + to + "; https never redirects to http)", null);
        }
        return new StoreException(remote, StoreException.Reason.OTHER, "unexpected HTTP status " + status, null);
    }

    /** A failure to talk to the server, classified by the exception's type. */
    private StoreException ioFailure(RemoteUri remote, Exception e) {
        if (e instanceof StoreException s) {
            return s;
        }
        String host = hostOf(remote.uri());
        if (S3Errors.cause(e, UnknownHostException.class, UnresolvedAddressException.class).isPresent()) {
            return new StoreException(remote, StoreException.Reason.UNREACHABLE,
                    "cannot reach " + host + ": the host name does not resolve (DNS)", e);
        }
        Optional<Throwable> timeout = S3Errors.cause(e, SocketTimeoutException.class);
        if (timeout.isPresent()) {
            // The JDK says which of its timeouts expired only in the message ("Connect timed out").
            boolean connecting = String.valueOf(timeout.get().getMessage()).toLowerCase(java.util.Locale.ROOT).contains("connect");
            return new StoreException(remote, StoreException.Reason.UNREACHABLE, connecting
                    ? "no answer from " + host + ": no connection within " + connectTimeout.toMillis() + " ms (connect timeout)"
                    : "no answer from " + host + ": no data for " + readTimeout.toMillis() + " ms (read timeout)", e);
        }
        Optional<Throwable> refused = S3Errors.cause(e, ConnectException.class);
        if (refused.isPresent()) {
            return new StoreException(remote, StoreException.Reason.UNREACHABLE, "cannot connect to " + host + ": "
                    + (refused.get().getMessage() == null ? "connection refused" : detail(refused.get())), e);
        }
        Optional<Throwable> tls = S3Errors.cause(e, SSLException.class);
        if (tls.isPresent()) {
            return new StoreException(remote, StoreException.Reason.UNREACHABLE, "TLS with " + host + " failed: " + detail(tls.get()), e);
        }
        return new StoreException(remote, StoreException.Reason.UNREACHABLE, "connection to " + host + " failed: " + detail(e), e);
    }

    private static String detail(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName()
                : Redact.message(e.getMessage());
    }

    private static String hostOf(URI uri) {
        return uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    }
}
