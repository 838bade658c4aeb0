package dev.npcnix.store;

import dev.npcnix.local.LocalFiles;
import java.io.InputStream;
import java.util.Optional;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * One answer of the SDK's HTTP client (the one HTTP stack: {@link HttpStore} and {@link S3DirectGet}):
 * status, headers, and the body, which must be read and closed, closed empty, or discarded.
 */
record HttpAnswer(SdkHttpResponse response, AbortableInputStream body) {
    int status() {
        return response.statusCode();
    }

    Optional<String> header(String name) {
        return response.firstMatchingHeader(name);
    }

    /** Releases the connection without reading what is left. */
    void discard() {
        if (body != null) {
            body.abort();
            LocalFiles.closeQuietly(body);
        }
    }

    /** Closes an empty body: the connection stays open for the next request. */
    void closeEmpty() {
        LocalFiles.closeQuietly(body);
    }

    InputStream stream() {
        return body == null ? InputStream.nullInputStream() : body;
    }

    /** The length the answer announced, or -1. */
    long contentLength() {
        return header("Content-Length").map(v -> {
            try {
                return Long.parseLong(v.strip());
            } catch (NumberFormatException e) {
                return -1L;
            }
        }).orElse(-1L);
    }

    static HttpAnswer of(software.amazon.awssdk.http.HttpExecuteResponse r) {
        return new HttpAnswer(r.httpResponse(), r.responseBody().orElse(null));
    }
}
