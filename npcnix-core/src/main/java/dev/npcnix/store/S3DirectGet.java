package dev.npcnix.store;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * The poll's GetObject (and a host report's PutObject, {@link #put}) without the S3 client: one request signed by the SDK's SigV4 signer, sent by
 * the SDK's HTTP client, for the plain addressing cases only. It exists for memory: building an
 * {@code S3Client} loads ~2,300 classes (endpoint rules, interceptors, the XML protocol, a model class
 * per operation), ~20 MB of a daemon that, nearly always, only asks "has it changed?". Signing,
 * credentials and HTTP stay the SDK's; only the URL and the reading of a 200 or 304 are ours.
 *
 * <p>It answers only what needs no interpretation: 304 (unchanged) and 200 (the object). Everything
 * else (an error, a redirect to another region, a throttle) returns empty and {@link S3Store} asks the
 * S3 client, which retries, follows the bucket's region and reads S3's error; from then on that store
 * uses the client only. It applies only where the URL is certain: an endpoint override (path-style,
 * as the client is configured), or AWS's standard partition with a bucket name that is a plain DNS
 * label, and no FIPS, dual-stack or configured-endpoint settings the SDK would honour
 * ({@link #applies}).
 */
final class S3DirectGet {
    private static final Logger LOG = LoggerFactory.getLogger(S3DirectGet.class);
    /** Regions of the standard partition (amazonaws.com), e.g. eu-west-1; not cn-, us-gov-, iso. */
    private static final Pattern STANDARD_REGION = Pattern.compile("(?!cn-)[a-z]{2}-[a-z]+-[0-9]+");
    /** A bucket name usable as one DNS label: no dots (TLS wildcard), no "--" (S3 Express, aliases). */
    private static final Pattern LABEL_BUCKET = Pattern.compile("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]");
    /** Settings in an AWS config file that change where the S3 client sends a request. */
    private static final Pattern ENDPOINT_SETTINGS = Pattern.compile(
            "(?m)^\\s*(endpoint_url|use_fips_endpoint|use_dualstack_endpoint|s3|services"
                    + "|s3_us_east_1_regional_endpoint|ignore_configured_endpoint_urls)\\s*=");

    private final SdkHttpClient http;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final String region;
    /** scheme://authority of the endpoint override, or null for AWS (virtual-hosted style). */
    private final String endpoint;

    private S3DirectGet(SdkHttpClient http, String region, String endpoint) {
        this.http = http;
        this.region = region;
        this.endpoint = endpoint;
    }

    /**
     * The direct GET for these settings, or empty where only the S3 client knows the URL.
     *
     * @param region the region the client is built with
     */
    static Optional<S3DirectGet> forSettings(StoreSettings settings, String region, SdkHttpClient http) {
        Optional<String> why = whyNot(settings, region);
        if (why.isPresent()) {
            LOG.debug("polling through the S3 client: {}", why.get());
            return Optional.empty();
        }
        return Optional.of(new S3DirectGet(http, region, settings.s3Endpoint()
                .map(e -> e.getScheme().toLowerCase(Locale.ROOT) + "://" + e.getRawAuthority()).orElse(null)));
    }

    /** Why the URL is not certain for these settings, if it is not. */
    static Optional<String> whyNot(StoreSettings settings, String region) {
        Map<String, String> env = settings.environment();
        for (String flag : new String[] {"AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT"}) {
            if ("true".equalsIgnoreCase(env.getOrDefault(flag, "").strip())) {
                return Optional.of(flag + " is set");
            }
        }
        if (Boolean.parseBoolean(System.getProperty("aws.useFipsEndpoint"))
                || Boolean.parseBoolean(System.getProperty("aws.useDualstackEndpoint"))) {
            return Optional.of("a FIPS or dual-stack system property is set");
        }
        Optional<URI> override = settings.s3Endpoint();
        if (override.isPresent()) {
            URI e = override.get();
            String path = e.getRawPath();
            if ((path != null && !path.isEmpty() && !path.equals("/")) || e.getRawQuery() != null
                    || !(e.getScheme().equalsIgnoreCase("http") || e.getScheme().equalsIgnoreCase("https"))) {
                return Optional.of("the endpoint override has a path or query");
            }
            return Optional.empty();
        }
        if (!STANDARD_REGION.matcher(region).matches()) {
            return Optional.of("region " + region + " is outside the standard partition");
        }
        Path config = configFile(env);
        if (config != null && Files.isRegularFile(config)) {
            try {
                if (ENDPOINT_SETTINGS.matcher(Files.readString(config)).find()) {
                    return Optional.of(config + " has endpoint settings");
                }
            } catch (IOException | RuntimeException e) {
                return Optional.of("cannot read " + config);
            }
        }
        return Optional.empty();
    }

    private static Path configFile(Map<String, String> env) {
        String file = env.get("AWS_CONFIG_FILE");
        if (file != null && !file.isBlank()) {
            return Path.of(file.strip());
        }
        String home = env.get("HOME");
        return home == null || home.isBlank() ? null : Path.of(home, ".aws", "config");
    }

    /** Whether this remote's URL is certain (its bucket name, for virtual-hosted style). */
    boolean serves(RemoteUri remote) {
        return endpoint != null || LABEL_BUCKET.matcher(remote.bucket()).matches();
    }

    /** The object's URL, as the S3 client would address it. */
    URI uri(RemoteUri remote) {
        String key = SdkHttpUtils.urlEncodeIgnoreSlashes(remote.key());
        return URI.create(endpoint != null
                ? endpoint + "/" + remote.bucket() + "/" + key
                : "https://" + remote.bucket() + ".s3." + region + ".amazonaws.com/" + key);
    }

    /**
     * Sends the signed GET.
     *
     * @param ifNoneMatch the quoted ETag, or null
     * @throws IOException when no answer arrived
     */
    HttpAnswer get(RemoteUri remote, String ifNoneMatch, AwsCredentialsIdentity credentials) throws IOException {
        SdkHttpRequest signed = signed(remote, ifNoneMatch, credentials);
        return HttpAnswer.of(http.prepareRequest(HttpExecuteRequest.builder().request(signed).build()).call());
    }

    /**
     * Sends a signed PutObject of a small body (a host's report): the same URL, signer and HTTP client
     * as the poll's GET, so a host that reports never builds the S3 client either. The payload is signed
     * ({@code x-amz-content-sha256}), so S3 refuses bytes damaged on the way. Sent a second time when
     * the first attempt gets no answer.
     *
     * @throws IOException when neither attempt got an answer
     */
    HttpAnswer put(RemoteUri object, byte[] body, String contentType, AwsCredentialsIdentity credentials) throws IOException {
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.PUT).uri(uri(object))
                .putHeader("User-Agent", "npcnix")
                .putHeader("Content-Type", contentType)
                .putHeader("Content-Length", Integer.toString(body.length))
                .build();
        ContentStreamProvider payload = ContentStreamProvider.fromByteArrayUnsafe(body);
        SdkHttpRequest signed = signer.sign(SignRequest.builder(credentials)
                .request(request)
                .payload(payload)
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, true)
                .build()).request();
        HttpExecuteRequest send = HttpExecuteRequest.builder().request(signed).contentStreamProvider(payload).build();
        try {
            return HttpAnswer.of(http.prepareRequest(send).call());
        } catch (IOException e) {
            // A kept-alive connection that the server closed meanwhile fails the write ("Error writing
            // request body to server"); the S3 client would retry that. A PUT of the whole object is
            // idempotent: once more, on a fresh connection.
            return HttpAnswer.of(http.prepareRequest(send).call());
        }
    }

    /** The GET as sent: If-None-Match when given, SigV4-signed for S3 in this region. */
    SdkHttpRequest signed(RemoteUri remote, String ifNoneMatch, AwsCredentialsIdentity credentials) {
        URI uri = uri(remote);
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.GET).uri(uri)
                .putHeader("User-Agent", "npcnix");
        if (ifNoneMatch != null) {
            request.putHeader("If-None-Match", ifNoneMatch);
        }
        // S3's signing rules (as the S3 client applies them): no double encoding, no path
        // normalization, no payload hash over TLS; the signer adds x-amz-content-sha256.
        return signer.sign(SignRequest.builder(credentials)
                .request(request.build())
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                .build()).request();
    }
}
