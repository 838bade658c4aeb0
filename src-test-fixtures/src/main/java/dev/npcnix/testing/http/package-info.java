/**
 * Plain-HTTP test servers: a static file server with strong ETags, a counting proxy that sits in
 * front of any HTTP server to count requests and response body bytes (and cut bodies short on
 * request), and a fault-injecting proxy (refused connections, error statuses, stalls, resets,
 * corrupted bodies, redirects). All bind to 127.0.0.1 on a free port.
 */
package dev.npcnix.testing.http;
