package dev.npcnix.store;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach stores: S3 region and endpoint override, timeouts, and the process environment the
 * credentials and endpoint are read from (injected so tests need no global state).
 *
 * @param region S3 region from the flag or host config; empty: the SDK's default chain, else us-east-1
 *     with cross-region access
 * @param s3Endpoint endpoint override for S3-compatible servers; path-style access when present
 * @param environment the process environment ({@code AWS_ACCESS_KEY_ID}, {@code AWS_PROFILE}, ...)
 * @param connectTimeout TCP connect timeout for every store
 * @param readTimeout the longest a read may stall
 */
public record StoreSettings(
        Optional<String> region,
        Optional<URI> s3Endpoint,
        Map<String, String> environment,
        Duration connectTimeout,
        Duration readTimeout) {

    public StoreSettings {
        environment = Map.copyOf(environment);
    }

    /**
     * Settings from flags and environment: the endpoint is {@code endpointFlag}, else
     * {@code AWS_ENDPOINT_URL_S3}, else {@code AWS_ENDPOINT_URL}.
     */
    public static StoreSettings of(Map<String, String> env, Optional<String> region, Optional<String> endpointFlag) {
        Optional<String> endpoint = endpointFlag.filter(s -> !s.isBlank())
                .or(() -> Optional.ofNullable(env.get("AWS_ENDPOINT_URL_S3")).filter(s -> !s.isBlank()))
                .or(() -> Optional.ofNullable(env.get("AWS_ENDPOINT_URL")).filter(s -> !s.isBlank()));
        return new StoreSettings(
                region.filter(s -> !s.isBlank()),
                endpoint.map(StoreSettings::endpointUri),
                env,
                Duration.ofSeconds(10),
                Duration.ofSeconds(60));
    }

    public StoreSettings withRegion(Optional<String> newRegion) {
        return new StoreSettings(newRegion, s3Endpoint, environment, connectTimeout, readTimeout);
    }

    public StoreSettings withTimeouts(Duration connect, Duration read) {
        return new StoreSettings(region, s3Endpoint, environment, connect, read);
    }

    private static URI endpointUri(String text) {
        try {
            URI uri = URI.create(text.strip());
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("no scheme or host");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new dev.npcnix.InvalidInputException("S3 endpoint " + text + ": malformed URL (expected e.g. http://127.0.0.1:9000)", e);
        }
    }
}
