package dev.npcnix.store;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

/**
 * How an {@link S3Store} reaches S3, resolved in one place from {@link StoreSettings}: credentials
 * (static from the environment, else the SDK's default chain), region (flag or config, the environment,
 * the default chain, else us-east-1 with cross-region access), endpoint (an override means path-style),
 * the one HTTP client (URL connection, with connect and read timeouts), and the S3 client built on them.
 */
final class S3Clients {
    private static final Logger LOG = LoggerFactory.getLogger(S3Clients.class);
    /** Bounds one call including SDK retries; GET bodies are read after the call returns. */
    static final Duration API_CALL_TIMEOUT = Duration.ofMinutes(5);

    private S3Clients() {
    }

    /** What a store needs, resolved once: closed by the store. */
    record Resolved(Region region, AwsCredentialsProvider credentials, SdkHttpClient http, String endpointName) {
    }

    static Resolved resolve(StoreSettings settings) {
        Region region = region(settings, S3Clients::defaultChainRegion);
        String endpointName = settings.s3Endpoint().map(URI::getAuthority)
                .orElseGet(() -> "s3." + region.id() + ".amazonaws.com");
        LOG.debug("S3 store: region {}, endpoint {}", region.id(), endpointName);
        SdkHttpClient http = UrlConnectionHttpClient.builder()
                .connectionTimeout(settings.connectTimeout())
                .socketTimeout(settings.readTimeout())
                .build();
        return new Resolved(region, credentials(settings.environment()), http, endpointName);
    }

    /** The one S3 client of a store, sharing its HTTP client (which the store closes). */
    static S3Client newClient(StoreSettings settings, Resolved resolved) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(resolved.http())
                .credentialsProvider(resolved.credentials())
                .region(resolved.region())
                .crossRegionAccessEnabled(true)
                // Flexible checksums only where S3 requires them: third-party servers reject the rest.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.apiCallTimeout(API_CALL_TIMEOUT).retryStrategy(RetryMode.STANDARD)
                        .addExecutionInterceptor(new NotModified()));
        settings.s3Endpoint().ifPresent(endpoint -> builder.endpointOverride(endpoint).forcePathStyle(true));
        return builder.build();
    }

    /**
     * Hands S3's 304 Not Modified to a conditional GetObject back as a bodiless success marked with
     * {@link #HEADER}. The SDK treats every non-2xx answer as an error: for the answer a follower gets
     * on nearly every poll it built an exception with a deep stack, parsed an (absent) XML error body
     * and asked the retry strategy, a quarter of the poll's CPU, and loaded the JDK's XML stack into
     * an idle daemon.
     */
    static final class NotModified implements ExecutionInterceptor {
        static final String HEADER = "x-npcnix-not-modified";

        @Override
        public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
            SdkHttpResponse response = context.httpResponse();
            if (response.statusCode() == 304 && context.request() instanceof GetObjectRequest get && get.ifNoneMatch() != null) {
                return response.toBuilder().statusCode(200).putHeader(HEADER, "true").build();
            }
            return response;
        }
    }

    /**
     * Static credentials when the environment has {@code AWS_ACCESS_KEY_ID} and
     * {@code AWS_SECRET_ACCESS_KEY} (and optionally {@code AWS_SESSION_TOKEN}); else the SDK's default
     * chain (profile from {@code AWS_PROFILE}, web identity, container and instance roles).
     */
    static AwsCredentialsProvider credentials(Map<String, String> env) {
        String id = nonBlank(env.get("AWS_ACCESS_KEY_ID"));
        String secret = nonBlank(env.get("AWS_SECRET_ACCESS_KEY"));
        String token = nonBlank(env.get("AWS_SESSION_TOKEN"));
        if (id != null && secret != null) {
            return StaticCredentialsProvider.create(token == null
                    ? AwsBasicCredentials.create(id, secret)
                    : AwsSessionCredentials.create(id, secret, token));
        }
        DefaultCredentialsProvider.Builder chain = DefaultCredentialsProvider.builder();
        String profile = nonBlank(env.get("AWS_PROFILE"));
        if (profile != null) {
            chain.profileName(profile);
        }
        return chain.build();
    }

    /**
     * The settings' region, else {@code AWS_REGION} or {@code AWS_DEFAULT_REGION} from the settings'
     * environment, else the SDK's default chain, else us-east-1 (cross-region access finds the bucket).
     */
    static Region region(StoreSettings settings, Supplier<Optional<Region>> defaultChain) {
        return settings.region().map(Region::of)
                .or(() -> Optional.ofNullable(nonBlank(settings.environment().get("AWS_REGION"))).map(Region::of))
                .or(() -> Optional.ofNullable(nonBlank(settings.environment().get("AWS_DEFAULT_REGION"))).map(Region::of))
                .or(defaultChain)
                .orElse(Region.US_EAST_1);
    }

    private static Optional<Region> defaultChainRegion() {
        try {
            return Optional.ofNullable(new DefaultAwsRegionProviderChain().getRegion());
        } catch (RuntimeException e) {
            LOG.debug("no region from the SDK's default chain: {}", e.getMessage());
            return Optional.empty();
        }
    }

    private static String nonBlank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
