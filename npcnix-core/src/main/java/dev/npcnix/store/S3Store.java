package dev.npcnix.store;

import dev.npcnix.InvalidInputException;
import dev.npcnix.local.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code s3://BUCKET/KEY} remotes on AWS S3 or an S3-compatible server. One store per process
 * ({@link RemoteStores} opens and closes it) holds what {@link S3Clients} resolved (credentials, region,
 * one HTTP client) and, built on first need, one {@link S3Client}.
 *
 * <p>A poll is one GetObject with {@code If-None-Match}; S3 answers 304 (no body) when unchanged.
 * Polls and downloads go around the S3 client while its answers are plain ({@link S3DirectGet}); the
 * client does everything else. Both paths read the answer the same way ({@link S3Answer}); the ETag
 * returned comes from the same response as the body. Publishing is one PutObject with
 * {@code Content-MD5}, so the server rejects bytes damaged on the way and, for a single-part upload, the
 * ETag is the MD5 of the archive: the same archive always gets the same ETag. Failures are translated by
 * {@link S3Errors}.
 */
final class S3Store implements RemoteStore, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(S3Store.class);
    static final String CONTENT_TYPE = "application/zstd";

    private final StoreSettings settings;
    private final S3Clients.Resolved resolved;
    private final S3Errors errors;
    /** The poll's GET without the S3 client while it gets plain answers; null once it did not. */
    private volatile S3DirectGet direct;
    private S3Client s3;

    private S3Store(StoreSettings settings, S3Clients.Resolved resolved) {
        this.settings = settings;
        this.resolved = resolved;
        this.errors = new S3Errors(resolved.endpointName());
        this.direct = S3DirectGet.forSettings(settings, resolved.region().id(), resolved.http()).orElse(null);
    }

    /**
     * The store for these settings: credentials, region and endpoint resolved once. The S3 client is
     * built on first need (see {@link S3DirectGet}): a host that only polls never builds it.
     */
    static S3Store open(StoreSettings settings) {
        return new S3Store(settings, S3Clients.resolve(settings));
    }

    /** The S3 client, built on first use. Also for tests that set up buckets. */
    synchronized S3Client client() {
        if (s3 == null) {
            LOG.debug("building the S3 client");
            s3 = S3Clients.newClient(settings, resolved);
        }
        return s3;
    }

    /** The client for a call on {@code remote}, once the credential chain found credentials. */
    private S3Client clientFor(RemoteUri remote) {
        try {
            resolved.credentials().resolveCredentials();
        } catch (RuntimeException e) {
            throw S3Errors.noCredentials(remote, e);
        }
        return client();
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
        resolved.http().close();
        if (resolved.credentials() instanceof AutoCloseable c) {
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
            identity = resolved.credentials().resolveCredentials();
        } catch (RuntimeException e) {
            return Optional.empty(); // the client path says why
        }
        HttpAnswer answer;
        try {
            answer = get.get(remote, ifNoneMatch.map(Etag::quoted).orElse(null), identity);
        } catch (IOException | RuntimeException e) {
            // No answer: the client retries with backoff and names the failure. The direct path stays:
            // a network blip says nothing about the URL.
            LOG.debug("{}: direct GET failed, asking the S3 client: {}", remote, Redact.message(e.toString()));
            return Optional.empty();
        }
        int status = answer.status();
        if (status != 200 && !(status == 304 && ifNoneMatch.isPresent())) {
            // An error, a redirect to the bucket's region, a throttle: the client knows what it means,
            // and this store keeps using it.
            answer.discard();
            LOG.debug("{}: HTTP {} to the direct GET; the S3 client takes over", remote, status);
            direct = null;
            return Optional.empty();
        }
        return Optional.of(S3Answer.read(remote, ifNoneMatch, answer.response(), answer.stream(), answer::discard,
                e -> errors.translate(remote, "s3:GetObject", e)));
    }

    private FetchResult fetchWithClient(RemoteUri remote, Optional<Etag> ifNoneMatch) {
        S3Client client = clientFor(remote);
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(remote.bucket()).key(remote.key());
        ifNoneMatch.ifPresent(etag -> request.ifNoneMatch(etag.quoted()));
        ResponseInputStream<GetObjectResponse> in;
        try {
            in = client.getObject(request.build());
        } catch (S3Exception e) {
            if (e.statusCode() == 304 && ifNoneMatch.isPresent()) { // without the interceptor's mark
                LOG.debug("{}: unchanged ({})", remote, ifNoneMatch.get());
                return new FetchResult.Unchanged(ifNoneMatch.get());
            }
            throw errors.translate(remote, "s3:GetObject", e);
        } catch (SdkException e) {
            throw errors.translate(remote, "s3:GetObject", e);
        }
        return S3Answer.read(remote, ifNoneMatch, in.response().sdkHttpResponse(), in, in::abort,
                e -> errors.translate(remote, "s3:GetObject", e));
    }

    @Override
    public Optional<RemoteObject> head(RemoteUri remote) {
        HeadObjectResponse r;
        try {
            r = clientFor(remote).headObject(b -> b.bucket(remote.bucket()).key(remote.key()));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty(); // HEAD has no error body: a missing bucket looks the same
            }
            throw errors.translate(remote, "s3:GetObject", e);
        } catch (SdkException e) {
            throw errors.translate(remote, "s3:GetObject", e);
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
            r = clientFor(remote).putObject(b -> b.bucket(remote.bucket()).key(remote.key())
                    .contentType(CONTENT_TYPE).contentLength(size).contentMD5(md5), body);
        } catch (SdkException | UncheckedIOException e) {
            throw errors.translate(remote, "s3:PutObject", e);
        }
        Etag etag = Etag.parse(r.eTag());
        if (etag == null) {
            throw new StoreException(remote, StoreException.Reason.OTHER, "the server sent no ETag for the upload", null);
        }
        LOG.debug("{}: published {} bytes, ETag {}", remote, size, etag);
        return new RemoteObject(remote, etag, size, Optional.empty());
    }

    @Override
    public Optional<Stored> read(RemoteUri object, int maxBytes) {
        ResponseInputStream<GetObjectResponse> in;
        try {
            in = clientFor(object).getObject(b -> b.bucket(object.bucket()).key(object.key()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            StoreException failure = errors.translate(object, "s3:GetObject", e);
            if (failure.reason() == StoreException.Reason.NOT_FOUND && !(e instanceof NoSuchBucketException)) {
                return Optional.empty();
            }
            throw failure;
        }
        try (in) {
            Long length = in.response().contentLength();
            if (length != null && length > maxBytes) {
                in.abort();
                throw new StoreException(object, StoreException.Reason.OTHER,
                        "too large (" + length + " bytes, at most " + maxBytes + " expected)", null);
            }
            byte[] content = in.readNBytes(maxBytes + 1);
            if (content.length > maxBytes) {
                in.abort();
                throw new StoreException(object, StoreException.Reason.OTHER, "larger than " + maxBytes + " bytes", null);
            }
            Etag etag = Etag.parse(in.response().eTag());
            if (etag == null) {
                throw new StoreException(object, StoreException.Reason.OTHER, "the server sent no ETag", null);
            }
            return Optional.of(new Stored(content, etag));
        } catch (IOException e) {
            throw errors.translate(object, "s3:GetObject", e);
        }
    }

    /**
     * One PutObject. An unconditional write goes around the S3 client while polls do ({@link S3DirectGet#put}):
     * a host that only reports never builds the client. Conditions are {@code If-None-Match: *} and
     * {@code If-Match} (S3 since 2024; a server that ignores them makes the last writer win).
     */
    @Override
    public RemoteObject write(RemoteUri object, byte[] content, String contentType, Condition condition) {
        S3DirectGet get = direct;
        if (condition instanceof Condition.Always && get != null && get.serves(object)) {
            AwsCredentials identity;
            try {
                identity = resolved.credentials().resolveCredentials();
            } catch (RuntimeException e) {
                throw S3Errors.noCredentials(object, e);
            }
            HttpAnswer answer;
            try {
                answer = get.put(object, content, contentType, identity);
            } catch (IOException | RuntimeException e) {
                throw errors.translate(object, "s3:PutObject", e);
            }
            answer.discard();
            if (answer.status() != 200) {
                throw errors.status(object, "s3:PutObject", answer.status());
            }
            Etag etag = answer.header("ETag").map(Etag::parse).orElseGet(() -> new Etag(Digests.md5Hex(content)));
            return new RemoteObject(object, etag, content.length, Optional.empty());
        }
        PutObjectResponse r;
        try {
            r = clientFor(object).putObject(b -> {
                b.bucket(object.bucket()).key(object.key()).contentType(contentType).contentLength((long) content.length)
                        .contentMD5(Base64.getEncoder().encodeToString(Digests.md5().digest(content)));
                if (condition instanceof Condition.Absent) {
                    b.ifNoneMatch("*");
                } else if (condition instanceof Condition.Matching m) {
                    b.ifMatch(m.etag().quoted());
                }
            }, RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw errors.translate(object, "s3:PutObject", e);
        }
        Etag etag = Etag.parse(r.eTag());
        if (etag == null) {
            throw new StoreException(object, StoreException.Reason.OTHER, "the server sent no ETag for the upload", null);
        }
        return new RemoteObject(object, etag, content.length, Optional.empty());
    }

    /** ListObjectsV2 with the folder as prefix and {@code /} as delimiter, page after page (1,000 keys each). */
    @Override
    public List<Listed> list(RemoteUri remote, String folder) {
        String prefix = remote.key() + folder;
        List<Listed> listed = new ArrayList<>();
        try {
            for (ListObjectsV2Response page : clientFor(remote).listObjectsV2Paginator(b -> b.bucket(remote.bucket())
                    .prefix(prefix).delimiter("/"))) {
                for (S3Object o : page.contents()) {
                    String name = o.key().substring(prefix.length());
                    if (!name.isEmpty()) {
                        listed.add(new Listed(name, o.size() == null ? -1 : o.size(), Optional.ofNullable(o.lastModified())));
                    }
                }
            }
        } catch (SdkException e) {
            throw errors.translate(remote, "s3:ListBucket", e);
        }
        listed.sort(java.util.Comparator.comparing(Listed::name));
        return listed;
    }

    /** ListObjectsV2 with the folder as prefix and no delimiter: the whole tree, page after page. */
    @Override
    public List<Listed> listTree(RemoteUri remote, String folder) {
        String prefix = remote.key() + folder;
        List<Listed> listed = new ArrayList<>();
        try {
            for (ListObjectsV2Response page : clientFor(remote).listObjectsV2Paginator(b -> b.bucket(remote.bucket())
                    .prefix(prefix))) {
                for (S3Object o : page.contents()) {
                    String name = o.key().substring(prefix.length());
                    if (!name.isEmpty()) {
                        listed.add(new Listed(name, o.size() == null ? -1 : o.size(), Optional.ofNullable(o.lastModified())));
                    }
                }
            }
        } catch (SdkException e) {
            throw errors.translate(remote, "s3:ListBucket", e);
        }
        listed.sort(java.util.Comparator.comparing(Listed::name));
        return listed;
    }

    @Override
    public void delete(RemoteUri object) {
        try {
            clientFor(object).deleteObject(b -> b.bucket(object.bucket()).key(object.key()));
        } catch (SdkException e) {
            throw errors.translate(object, "s3:DeleteObject", e);
        }
    }

    /** CopyObject with {@code x-amz-copy-source-if-match}: the bytes stay in the store. */
    @Override
    public RemoteObject copy(RemoteUri from, RemoteUri to, Etag ifMatch) {
        if (!from.bucket().equals(to.bucket())) {
            throw new IllegalArgumentException("copy across buckets: " + from + " to " + to);
        }
        CopyObjectResponse r;
        try {
            r = clientFor(to).copyObject(b -> b.sourceBucket(from.bucket()).sourceKey(from.key())
                    .destinationBucket(to.bucket()).destinationKey(to.key()).copySourceIfMatch(ifMatch.quoted()));
        } catch (SdkException e) {
            StoreException failure = errors.translate(to, "s3:GetObject on " + from + ", s3:PutObject", e);
            if (failure.reason() == StoreException.Reason.CONFLICT) {
                throw RemoteStore.conflict(from, Condition.matching(ifMatch));
            }
            throw failure;
        }
        Etag etag = r.copyObjectResult() == null ? null : Etag.parse(r.copyObjectResult().eTag());
        return new RemoteObject(to, etag != null ? etag : ifMatch, -1, Optional.empty());
    }

    private static String md5Base64(Path file) throws IOException {
        MessageDigest md5 = Digests.md5();
        try (InputStream in = Files.newInputStream(file)) {
            Digests.update(md5, in);
        }
        return Base64.getEncoder().encodeToString(md5.digest());
    }
}
