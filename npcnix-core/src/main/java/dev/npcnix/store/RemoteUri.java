package dev.npcnix.store;

import dev.npcnix.InvalidInputException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * The address of one remote: {@code s3://BUCKET/KEY}, {@code file:///ABS/PATH},
 * {@code https://HOST/PATH} or {@code http://HOST/PATH}. Validated on construction, so a
 * {@code RemoteUri} always names something a store can be chosen for.
 */
public record RemoteUri(URI uri) {

    /** The kinds of store a remote can live in. */
    public enum Scheme {
        S3, FILE, HTTP;
    }

    public RemoteUri {
        if (uri == null) {
            throw new InvalidInputException("remote: missing URI");
        }
        String scheme = uri.getScheme();
        if (scheme == null) {
            throw new InvalidInputException("remote " + uri + ": not a URI with a scheme (expected s3://, file://, https:// or http://)");
        }
        if (uri.isOpaque()) {
            throw new InvalidInputException("remote " + uri + ": malformed URI (expected " + scheme + "://...)");
        }
        switch (scheme.toLowerCase(Locale.ROOT)) {
            case "s3" -> {
                if (uri.getHost() == null || uri.getHost().isEmpty()) {
                    throw new InvalidInputException("remote " + uri + ": no bucket name (expected s3://BUCKET/KEY)");
                }
                if (uri.getPath() == null || uri.getPath().length() <= 1 || uri.getPath().endsWith("/")) {
                    throw new InvalidInputException("remote " + uri + ": no object key (expected s3://BUCKET/KEY)");
                }
            }
            case "file" -> {
                if (uri.getAuthority() != null && !uri.getAuthority().isEmpty() && !"localhost".equals(uri.getAuthority())) {
                    throw new InvalidInputException("remote " + uri + ": file URIs take no host (expected file:///ABS/PATH)");
                }
                if (uri.getPath() == null || !uri.getPath().startsWith("/")) {
                    throw new InvalidInputException("remote " + uri + ": not an absolute file path (expected file:///ABS/PATH)");
                }
                if (uri.getPath().endsWith("/")) {
                    throw new InvalidInputException("remote " + uri + ": a directory, not a file (expected file:///ABS/PATH)");
                }
            }
            case "http", "https" -> {
                if (uri.getHost() == null || uri.getHost().isEmpty()) {
                    throw new InvalidInputException("remote " + uri + ": no host");
                }
            }
            default -> throw new InvalidInputException("remote " + uri + ": protocol not supported: " + scheme
                    + " (supported: s3, file, https, http)");
        }
        if (uri.getUserInfo() != null) {
            // Credentials in a URI end up in logs, state files and process listings.
            throw new InvalidInputException("remote " + redact(uri) + ": credentials in the URI are not allowed; use the environment or an instance role");
        }
    }

    /** Parses a user-given string; every problem becomes an {@link InvalidInputException}. */
    public static RemoteUri parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("remote: empty URI");
        }
        try {
            return new RemoteUri(new URI(text.strip()));
        } catch (URISyntaxException e) {
            throw new InvalidInputException("remote " + text + ": malformed URI: " + e.getReason(), e);
        }
    }

    /** A {@code file://} remote for a local path. */
    public static RemoteUri of(Path file) {
        return new RemoteUri(file.toAbsolutePath().normalize().toUri());
    }

    public Scheme scheme() {
        return switch (uri.getScheme().toLowerCase(Locale.ROOT)) {
            case "s3" -> Scheme.S3;
            case "file" -> Scheme.FILE;
            default -> Scheme.HTTP;
        };
    }

    /** S3 bucket name. */
    public String bucket() {
        requireScheme(Scheme.S3);
        return uri.getHost();
    }

    /** S3 object key, without the leading slash. */
    public String key() {
        requireScheme(Scheme.S3);
        return uri.getPath().substring(1);
    }

    /** Local path of a {@code file://} remote. */
    public Path path() {
        requireScheme(Scheme.FILE);
        return Path.of(uri.getPath());
    }

    /** What may be appended to a remote to name an object next to it: plain path segments. */
    private static final java.util.regex.Pattern SIBLING_SUFFIX =
            java.util.regex.Pattern.compile("(?!.*//)(?!.*/\\.\\.?(/|$))[A-Za-z0-9._/-]{1,200}");

    /**
     * The object whose address is this remote's followed by {@code suffix}, in the same store:
     * {@code s3://b/prod.npcnix} with {@code .hosts/web-1.json} is {@code s3://b/prod.npcnix.hosts/web-1.json}
     * (the same for a file path or a URL path). Reports and release history live there.
     */
    public RemoteUri sibling(String suffix) {
        if (!SIBLING_SUFFIX.matcher(suffix).matches() || suffix.endsWith("/")) {
            throw new IllegalArgumentException("not an object name to append to a remote: " + suffix);
        }
        try {
            return new RemoteUri(new URI(uri.getScheme(), uri.getAuthority(), uri.getPath() + suffix, null, null));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("remote " + this + " + " + suffix + ": " + e.getReason(), e);
        }
    }

    /** The last path segment, e.g. {@code prod.npcnix}. */
    public String fileName() {
        String p = uri.getPath();
        return p.substring(p.lastIndexOf('/') + 1);
    }

    private void requireScheme(Scheme expected) {
        if (scheme() != expected) {
            throw new IllegalStateException("not a " + expected + " remote: " + this);
        }
    }

    private static String redact(URI uri) {
        return uri.getScheme() + "://***@" + uri.getHost() + (uri.getPath() == null ? "" : uri.getPath());
    }

    // equals and hashCode written out, as the record's would be: the generated ones are bootstrapped
    // through method handles at their first call, some 15 ms of `npcnix status` (docs/performance.md).
    @Override
    public boolean equals(Object o) {
        return o instanceof RemoteUri other && Objects.equals(uri, other.uri);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(uri);
    }

    @Override
    public String toString() {
        return uri.toString();
    }
}
