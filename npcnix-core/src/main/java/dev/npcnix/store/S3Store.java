package dev.npcnix.store;

import dev.npcnix.InvalidInputException;
import dev.npcnix.local.Digests;
import dev.npcnix.local.LocalFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@code s3://BUCKET/KEY} remotes on AWS S3 or an S3-compatible server. One store per process
 * ({@link RemoteStores} opens and closes it) holds the credentials, one HTTP client and, built on
 * first need, one {@link S3Client} ({@link #newClient}).
 *
 * <p>A poll is one GetObject with {@code If-None-Match}; S3 answers 304 (no body) when unchanged.
 * Polls and downloads go around the S3 client while its answers are plain ({@link S3DirectGet});
 * the client does everything else. The ETag returned comes from the same response as the body. Publishing is one PutObject with {@code Content-MD5}, so the server
 * rejects bytes damaged on the way and, for a single-part upload, the ETag is the MD5 of the archive:
 * the same archive always gets the same ETag.
 *
 * <p>Error messages name the remote, the IAM action and the cause, never credentials or signatures.
 */
final class S3Store implements RemoteStore, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(S3Store.class);
    static final String CONTENT_TYPE = "application/zstd";
    /** Bounds one call including SDK retries; GET bodies are read after the call returns. */
    static final Duration API_CALL_TIMEOUT = Duration.ofMinutes(5);

    private static final Set<String> ACCESS_CODES = Set.of("AccessDenied", "InvalidAccessKeyId",
            "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "AllAccessDisabled",
            "AccountProblem", "InvalidSecurity", "RequestTimeTooSkewed");

    private final StoreSettings settings;
    private final Region region;
    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient http;
    private final String endpointName;
    /** The poll's GET without the S3 client while it gets plain answers; null once it did not. */
    private volatile S3DirectGet direct;
    private S3Client s3;

    /**
     * @param credentials closed with the store when it is closeable
     * @param http closed with the store
     * @param endpointName how messages name the server when it cannot be reached ({@code host:port})
     */
    private S3Store(StoreSettings settings, Region region, AwsCredentialsProvider credentials, SdkHttpClient http,
            String endpointName) {
        this.settings = settings;
        this.region = region;
        this.credentials = credentials;
        this.http = http;
        this.endpointName = endpointName;
        this.direct = S3DirectGet.forSettings(settings, region.id(), http).orElse(null);
    }

    /**
     * The store for these settings: credentials, region and endpoint resolved once. The S3 client is
     * built on first need (see {@link S3DirectGet}): a host that only polls never builds it.
     */
    static S3Store open(StoreSettings settings) {
        Region region = region(settings, S3Store::defaultChainRegion);
        AwsCredentialsProvider credentials = credentials(settings.environment());
        String endpointName = settings.s3Endpoint().map(URI::getAuthority)
                .orElseGet(() -> "s3." + region.id() + ".amazonaws.com");
        LOG.debug("S3 store: region {}, endpoint {}", region.id(), endpointName);
        SdkHttpClient http = UrlConnectionHttpClient.builder()
                .connectionTimeout(settings.connectTimeout())
                .socketTimeout(settings.readTimeout())
                .build();
        return new S3Store(settings, region, credentials, http, endpointName);
    }

    /** The S3 client, built on first use. Also for tests that set up buckets. */
    synchronized S3Client client() {
        if (s3 == null) {
            LOG.debug("building the S3 client");
            s3 = newClient(settings, credentials, region, http);
        }
        return s3;
    }

    /** Whether the S3 client was built (tests: a poll that needs no client builds none). */
    synchronized boolean clientBuilt() {
        return s3 != null;
    }

    /** Whether polls still go around the S3 client (tests). */
    boolean direct() {
        return direct != null;
    }

    /** Closes the client, the HTTP client and the credentials provider (which may hold refresh threads). */
    @Override
    public void close() {
        synchronized (this) {
            if (s3 != null) {
                s3.close();
            }
        }
        http.close();
        if (credentials instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing the S3 credentials provider: {}", e.toString());
            }
        }
    }

    @Override
    public FetchResult fetch(RemoteUri remote, Optional<Etag> ifNoneMatch) {
        S3DirectGet get = direct;
        if (get != null && get.serves(remote)) {
            Optional<FetchResult> result = fetchDirect(get, remote, ifNoneMatch);
            if (result.isPresent()) {
                return result.get();
            }
        }
        return fetchWithClient(remote, ifNoneMatch);
    }

    /** The GET around the S3 client: empty when the answer needs the client (which then takes over). */
    private Optional<FetchResult> fetchDirect(S3DirectGet get, RemoteUri remote, Optional<Etag> ifNoneMatch) {
        AwsCredentials identity;
        try {
            identity = credentials.resolveCredentials();
        } catch (RuntimeException e) {
            return Optional.empty(); // the client says why, in its words
        }
        S3DirectGet.Answer answer;
        try {
            answer = get.get(remote, ifNoneMatch.map(Etag::quoted).orElse(null), identity);
        } catch (IOException | RuntimeException e) {
            // No answer: the client retries with backoff and names the failure. The direct path stays:
            // a network blip says nothing about the URL.
            LOG.debug("{}: direct GET failed, asking the S3 client: {}", remote, Redact.message(e.toString()));
            return Optional.empty();
        }
        int status = answer.status();
        if (status == 304 && ifNoneMatch.isPresent()) {
            answer.closeEmpty();
            LOG.debug("{}: unchanged ({})", remote, ifNoneMatch.get());
            return Optional.of(new FetchResult.Unchanged(ifNoneMatch.get()));
        }
        Etag etag = status == 200 ? answer.header("ETag").map(Etag::parse).orElse(null) : null;
        if (etag == null) {
            // An error, a redirect to the bucket's region, a throttle, an answer without an ETag: the
            // client knows what it means, and this store keeps using it.
            answer.discard();
            LOG.debug("{}: HTTP {} to the direct GET; the S3 client takes over", remote, status);
            direct = null;
            return Optional.empty();
        }
        if (ifNoneMatch.isPresent() && ifNoneMatch.get().equals(etag)) {
            answer.discard(); // a server that ignores If-None-Match: do not download what we have
            return Optional.of(new FetchResult.Unchanged(etag));
        }
        long size = answer.header("Content-Length").map(S3Store::parseLength).orElse(-1L);
        return Optional.of(download(remote, etag, size, answer.stream(), etagIsContentMd5(etag,
                answer.header("x-amz-server-side-encryption-customer-algorithm").orElse(null),
                answer.header("x-amz-server-side-encryption").orElse(null))));
    }

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private FetchResult download(RemoteUri remote, Etag etag, long size, InputStream in, boolean etagIsMd5) {
        LOG.debug("{}: downloading {} bytes, ETag {}", remote, size, etag);
        MessageDigest md5 = etagIsMd5 ? Digests.md5() : null;
        InputStream body = new CheckedBody(in, remote, size, md5, md5 == null ? null : etag.value(),
                e -> failure(remote, "s3:GetObject", e));
        return new FetchResult.Download(etag, size, body);
    }

    private FetchResult fetchWithClient(RemoteUri remote, Optional<Etag> ifNoneMatch) {
        S3Client s3 = client();
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(remote.bucket()).key(remote.key());
        ifNoneMatch.ifPresent(etag -> request.ifNoneMatch(etag.quoted()));
        ResponseInputStream<GetObjectResponse> in;
        try {
            in = s3.getObject(request.build());
        } catch (S3Exception e) {
            if (e.statusCode() == 304 && ifNoneMatch.isPresent()) {
                LOG.debug("{}: unchanged ({})", remote, ifNoneMatch.get());
                return new FetchResult.Unchanged(ifNoneMatch.get());
            }
            throw failure(remote, "s3:GetObject", e);
        } catch (SdkException e) {
            throw failure(remote, "s3:GetObject", e);
        }
        GetObjectResponse response = in.response();
        if (ifNoneMatch.isPresent() && response.sdkHttpResponse().firstMatchingHeader(NotModified.HEADER).isPresent()) {
            LocalFiles.closeQuietly(in); // no body: the connection stays open for the next poll
            LOG.debug("{}: unchanged ({})", remote, ifNoneMatch.get());
            return new FetchResult.Unchanged(ifNoneMatch.get());
        }
        Etag etag = Etag.parse(response.eTag());
        if (etag == null) {
            in.abort();
            throw new StoreException(remote, StoreException.Reason.OTHER, "the server sent no ETag", null);
        }
        if (ifNoneMatch.isPresent() && ifNoneMatch.get().equals(etag)) {
            in.abort(); // a server that ignores If-None-Match: do not download what we have
            return new FetchResult.Unchanged(etag);
        }
        long size = response.contentLength() == null ? -1 : response.contentLength();
        return download(remote, etag, size, in,
                etagIsContentMd5(etag, response.sseCustomerAlgorithm(), response.serverSideEncryptionAsString()));
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
     * Whether the ETag is the MD5 of the content, so the download can be checked against it: true for
     * single-part uploads stored unencrypted or with SSE-S3; false for multipart ETags ({@code md5-N})
     * and SSE-KMS / SSE-C objects, whose ETags are not content hashes.
     */
    static boolean etagIsContentMd5(Etag etag, String sseCustomerAlgorithm, String sse) {
        if (!etag.value().matches("[0-9a-f]{32}")) {
            return false;
        }
        if (sseCustomerAlgorithm != null) {
            return false;
        }
        return sse == null || sse.equals("AES256");
    }

    @Override
    public Optional<RemoteObject> head(RemoteUri remote) {
        HeadObjectResponse r;
        try {
            r = client().headObject(b -> b.bucket(remote.bucket()).key(remote.key()));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty(); // HEAD has no error body: a missing bucket looks the same
            }
            throw failure(remote, "s3:GetObject", e);
        } catch (SdkException e) {
            throw failure(remote, "s3:GetObject", e);
        }
        Etag etag = Etag.parse(r.eTag());
        if (etag == null) {
            throw new StoreException(remote, StoreException.Reason.OTHER, "the server sent no ETag", null);
        }
        long size = r.contentLength() == null ? -1 : r.contentLength();
        return Optional.of(new RemoteObject(remote, etag, size, Optional.ofNullable(r.lastModified())));
    }

    @Override
    public RemoteObject publish(RemoteUri remote, Path archive, TransferListener listener) {
        long size;
        String md5;
        try {
            size = Files.size(archive);
            md5 = md5Base64(archive);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("archive " + archive + ": no such file", e);
        } catch (IOException e) {
            throw new InvalidInputException("archive " + archive + ": cannot read: " + e.getMessage(), e);
        }
        RequestBody body = RequestBody.fromContentProvider(() -> {
            try {
                return new ProgressInputStream(Files.newInputStream(archive), size, listener);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, size, CONTENT_TYPE);
        PutObjectResponse r;
        try {
            r = client().putObject(b -> b.bucket(remote.bucket()).key(remote.key())
                    .contentType(CONTENT_TYPE).contentLength(size).contentMD5(md5), body);
        } catch (SdkException | UncheckedIOException e) {
            throw failure(remote, "s3:PutObject", e);
        }
        Etag etag = Etag.parse(r.eTag());
        if (etag == null) {
            throw new StoreException(remote, StoreException.Reason.OTHER, "the server sent no ETag for the upload", null);
        }
        LOG.debug("{}: published {} bytes, ETag {}", remote, size, etag);
        return new RemoteObject(remote, etag, size, Optional.empty());
    }

    /** Turns an SDK or I/O failure into one line naming the remote, the action and the cause. */
    StoreException failure(RemoteUri remote, String action, Exception e) {
        if (e instanceof StoreException s) {
            return s;
        }
        if (e instanceof AwsServiceException service) {
            return serviceFailure(remote, action, service);
        }
        if (isNetworkFailure(e)) {
            return new StoreException(remote, StoreException.Reason.UNREACHABLE,
                    "cannot reach " + endpointName + ": " + describeNetworkFailure(e), e);
        }
        String message = String.valueOf(e.getMessage());
        if (message.startsWith("Unable to load credentials")) {
            return new StoreException(remote, StoreException.Reason.ACCESS_DENIED,
                    "no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE,"
                            + " or run with an instance role)", e);
        }
        return new StoreException(remote, StoreException.Reason.OTHER, Redact.message(message), e);
    }

    private static StoreException serviceFailure(RemoteUri remote, String action, AwsServiceException e) {
        int status = e.statusCode();
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        Optional<String> bucketRegion = e.awsErrorDetails() == null || e.awsErrorDetails().sdkHttpResponse() == null
                ? Optional.empty()
                : e.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("x-amz-bucket-region");
        if ("NoSuchBucket".equals(code)) {
            return new StoreException(remote, StoreException.Reason.NOT_FOUND,
                    "bucket " + remote.bucket() + " does not exist", e);
        }
        if ("NoSuchKey".equals(code) || status == 404) {
            return new StoreException(remote, StoreException.Reason.NOT_FOUND, "not found", e);
        }
        if (status == 301 || "PermanentRedirect".equals(code) || "AuthorizationHeaderMalformed".equals(code)) {
            return new StoreException(remote, StoreException.Reason.OTHER, "wrong region"
                    + bucketRegion.map(r -> ": bucket " + remote.bucket() + " is in " + r).orElse("")
                    + " (set --remote-region)", e);
        }
        // Set.of(...).contains(null) throws: answers without an S3 error code (a 307, a proxy's HTML
        // error page) must still become a store failure, not crash the daemon.
        if (status == 401 || status == 403 || (code != null && ACCESS_CODES.contains(code))) {
            return new StoreException(remote, StoreException.Reason.ACCESS_DENIED,
                    "access denied (" + action + ")" + accessHint(code), e);
        }
        if (status >= 500 || status == 429 || "SlowDown".equals(code)) {
            return new StoreException(remote, StoreException.Reason.SERVER_ERROR,
                    "server error (HTTP " + status + (code == null ? "" : " " + code) + ")", e);
        }
        if ("BadDigest".equals(code) || "InvalidDigest".equals(code)) {
            return new StoreException(remote, StoreException.Reason.CORRUPT,
                    "the upload arrived damaged (Content-MD5 mismatch); was the archive changed while uploading?", e);
        }
        String text = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        return new StoreException(remote, StoreException.Reason.OTHER, "HTTP " + status
                + (code == null ? "" : " " + code) + (text == null ? "" : ": " + Redact.message(text))
                + (status >= 300 && status < 400 ? " (redirects are not followed)" : ""), e);
    }

    private static String accessHint(String code) {
        if (code == null) {
            return "";
        }
        return switch (code) {
            case "InvalidAccessKeyId" -> ": the access key id is not known to the store";
            case "SignatureDoesNotMatch" -> ": request signature rejected, check the secret key";
            case "ExpiredToken", "TokenRefreshRequired" -> ": the session token has expired";
            case "RequestTimeTooSkewed" -> ": the host clock is too far off";
            default -> "";
        };
    }

    private static boolean isNetworkFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof ApiCallTimeoutException
                    || t instanceof ApiCallAttemptTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static String describeNetworkFailure(Throwable e) {
        Throwable deepest = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof ApiCallTimeoutException) {
                deepest = t;
            }
        }
        String what = deepest.getMessage() == null || deepest.getMessage().isBlank()
                ? deepest.getClass().getSimpleName()
                : deepest.getClass().getSimpleName() + ": " + deepest.getMessage();
        return Redact.message(what);
    }

    private static String md5Base64(Path file) throws IOException {
        MessageDigest md5 = Digests.md5();
        try (InputStream in = Files.newInputStream(file)) {
            Digests.update(md5, in);
        }
        return Base64.getEncoder().encodeToString(md5.digest());
    }

    // ---- the client: built once by RemoteStores --------------------------------------------------

    /** The one S3 client of a process. */
    static S3Client newClient(StoreSettings settings, AwsCredentialsProvider credentials, Region region,
            SdkHttpClient http) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(http) // shared with the direct GET; the store closes it
                .credentialsProvider(credentials)
                .region(region)
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
