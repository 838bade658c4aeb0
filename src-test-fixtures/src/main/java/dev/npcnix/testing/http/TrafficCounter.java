package dev.npcnix.testing.http;

import java.util.ArrayList;
import java.util.List;

/** Thread-safe tally of requests and response body bytes, read as a {@link Traffic} snapshot. */
public final class TrafficCounter {
    private final List<String> requests = new ArrayList<>();
    private long responseBodyBytes;

    /** Records one request; {@code target} may contain a query string, which is dropped. */
    public synchronized void request(String method, String target) {
        int q = target.indexOf('?');
        requests.add(method + " " + (q < 0 ? target : target.substring(0, q)));
    }

    public synchronized void responseBody(long bytes) {
        responseBodyBytes += bytes;
    }

    public synchronized Traffic snapshot() {
        return new Traffic(requests, responseBodyBytes);
    }

    public synchronized void reset() {
        requests.clear();
        responseBodyBytes = 0;
    }
}
