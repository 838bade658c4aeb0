package dev.npcnix.store;

import dev.npcnix.local.Digests;
import dev.npcnix.local.LocalFiles;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * The one reading of S3's answer to the GET of a remote, for the direct GET ({@link S3DirectGet}) and the
 * S3 client alike: 304 (or the client's {@link S3Clients.NotModified} mark) is unchanged, no body read;
 * an answer without an ETag fails; a server that ignores {@code If-None-Match} and sends the release we
 * hold is unchanged too, its body not read; otherwise the body is checked as it is read against the
 * announced length and, when the ETag is the content's MD5, against it.
 */
final class S3Answer {
    private static final Logger LOG = LoggerFactory.getLogger(S3Answer.class);

    private S3Answer() {
    }

    /**
     * @param body the answer's body (never null); {@code abort} drops it without reading the rest
     * @param onReadFailure turns a failed read of the body into the store's error
     */
    static FetchResult read(RemoteUri remote, Optional<Etag> ifNoneMatch, SdkHttpResponse response, InputStream body,
            Runnable abort, Function<Exception, StoreException> onReadFailure) {
        boolean notModified = response.statusCode() == 304
                || response.firstMatchingHeader(S3Clients.NotModified.HEADER).isPresent();
        if (notModified && ifNoneMatch.isPresent()) {
            LocalFiles.closeQuietly(body); // no body: the connection stays open for the next poll
            LOG.debug("{}: unchanged ({})", remote, ifNoneMatch.get());
            return new FetchResult.Unchanged(ifNoneMatch.get());
        }
        Etag etag = response.firstMatchingHeader("ETag").map(Etag::parse).orElse(null);
        if (etag == null) {
            abort.run();
            throw new StoreException(remote, StoreException.Reason.OTHER, "the server sent no ETag", null);
        }
        if (ifNoneMatch.isPresent() && ifNoneMatch.get().equals(etag)) {
            abort.run(); // a server that ignores If-None-Match: do not download what we have
            LOG.debug("{}: unchanged ({}, the server ignored If-None-Match)", remote, etag);
            return new FetchResult.Unchanged(etag);
        }
        long size = response.firstMatchingHeader("Content-Length").map(S3Answer::parseLength).orElse(-1L);
        MessageDigest md5 = etagIsContentMd5(etag, response.firstMatchingHeader("x-amz-server-side-encryption-customer-algorithm")
                .orElse(null), response.firstMatchingHeader("x-amz-server-side-encryption").orElse(null)) ? Digests.md5() : null;
        LOG.debug("{}: downloading {} bytes, ETag {}", remote, size, etag);
        return new FetchResult.Download(etag, size,
                new CheckedBody(body, remote, size, md5, md5 == null ? null : etag.value(), onReadFailure));
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

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
