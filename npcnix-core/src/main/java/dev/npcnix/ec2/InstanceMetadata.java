package dev.npcnix.ec2;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.retry.backoff.FixedDelayBackoffStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.imds.Ec2MetadataClient;
import software.amazon.awssdk.imds.Ec2MetadataClientException;

/**
 * The EC2 instance metadata service, read with the AWS SDK's IMDS client (IMDSv2 session tokens,
 * retries). Owns that client and its HTTP client; close it. Timeouts are short: off EC2 the
 * link-local endpoint does not answer at all, and a first boot must say so quickly, not hang.
 * Endpoint: {@code AWS_EC2_METADATA_SERVICE_ENDPOINT} (the SDK's own variable), else the SDK's default.
 */
public final class InstanceMetadata implements AutoCloseable {
    /** The SDK's variable for another endpoint (an IPv6 one, or a test server). */
    public static final String ENDPOINT_ENV = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
    /** The SDK's switch to never ask the metadata service. */
    public static final String DISABLED_ENV = "AWS_EC2_METADATA_DISABLED";

    private static final String DEFAULT_ENDPOINT = "http://169.254.169.254";

    private final Ec2MetadataClient client;
    private final String endpoint;

    private InstanceMetadata(Ec2MetadataClient client, String endpoint) {
        this.client = client;
        this.endpoint = endpoint;
    }

    /**
     * A client for the endpoint {@code env} names: one connection attempt takes at most a second, a
     * read two, and a failed request is tried three more times, 200 ms apart.
     */
    public static InstanceMetadata connect(Map<String, String> env) {
        if ("true".equalsIgnoreCase(env.getOrDefault(DISABLED_ENV, "").strip())) {
            throw new InstanceMetadataException("EC2 instance metadata: disabled (" + DISABLED_ENV + "=true)", null);
        }
        String endpoint = Optional.ofNullable(env.get(ENDPOINT_ENV)).map(String::strip).filter(s -> !s.isEmpty())
                .orElse(DEFAULT_ENDPOINT);
        Ec2MetadataClient client = Ec2MetadataClient.builder()
                .endpoint(URI.create(endpoint))
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(1))
                        .socketTimeout(Duration.ofSeconds(2))
                        .build())
                .retryPolicy(p -> p.numRetries(3).backoffStrategy(FixedDelayBackoffStrategy.create(Duration.ofMillis(200))))
                .tokenTtl(Duration.ofMinutes(5))
                .build();
        return new InstanceMetadata(client, endpoint);
    }

    /** This instance's id, e.g. {@code i-0abc1234def567890}. */
    public String instanceId() {
        return read("/latest/meta-data/instance-id")
                .orElseThrow(() -> new InstanceMetadataException(what("/latest/meta-data/instance-id") + ": not found", null));
    }

    /** The user data the instance was launched with; empty when it has none. */
    public Optional<String> userData() {
        return read("/latest/user-data");
    }

    /**
     * The value of the instance tag {@code key}; empty when the instance has no such tag, or when
     * tags are not allowed in its metadata (both answer 404).
     */
    public Optional<String> tag(String key) {
        return read("/latest/meta-data/tags/instance/" + key);
    }

    private Optional<String> read(String path) {
        try {
            return Optional.of(client.get(path).asString());
        } catch (Ec2MetadataClientException e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new InstanceMetadataException(what(path) + ": HTTP " + e.statusCode(), e);
        } catch (SdkClientException e) {
            throw new InstanceMetadataException(what(path) + ": no answer (not an EC2 instance, or IMDS disabled "
                    + "for it?): " + firstLine(e.getMessage()), e);
        }
    }

    private String what(String path) {
        return "EC2 instance metadata " + endpoint + path;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    @Override
    public void close() {
        client.close();
    }
}
