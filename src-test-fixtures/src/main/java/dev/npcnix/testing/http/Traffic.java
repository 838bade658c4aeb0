package dev.npcnix.testing.http;

import java.util.List;

/**
 * What a test server received and sent since it started or was last reset.
 *
 * @param requests one entry per HTTP request, {@code METHOD /path} (the query string is left out:
 *     it may carry signatures)
 * @param responseBodyBytes bytes of response bodies sent (after the header block, chunk framing
 *     included); zero for 304 and HEAD answers
 */
public record Traffic(List<String> requests, long responseBodyBytes) {
    public Traffic {
        requests = List.copyOf(requests);
    }

    public int requestCount() {
        return requests.size();
    }
}
