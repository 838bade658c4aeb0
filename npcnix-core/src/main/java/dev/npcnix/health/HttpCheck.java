package dev.npcnix.health;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;

/**
 * A URL answers 2xx within the timeout. A plain GET with the JDK's {@code HttpURLConnection}: a
 * health endpoint on the host itself needs no credentials, no retries and no SDK. Redirects are not
 * followed (a health URL that redirects to a login page is not healthy); at most 64 KiB of the body
 * is read, so a keep-alive connection may be reused.
 */
final class HttpCheck implements Check {
    private final URI url;
    private final Duration timeout;

    HttpCheck(URI url, Duration timeout) {
        this.url = url;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return "http " + url;
    }

    @Override
    public CheckResult run(Clock clock) {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) url.toURL().openConnection();
            c.setInstanceFollowRedirects(false);
            c.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            c.setRequestProperty("User-Agent", "npcnix-health-check");
            int status = c.getResponseCode();
            drain(c, status);
            boolean ok = status >= 200 && status < 300;
            return new CheckResult(name(), ok, "HTTP " + status, clock.instant());
        } catch (SocketTimeoutException e) {
            return new CheckResult(name(), false, "no answer within " + timeout.toMillis() / 1000.0 + " s", clock.instant());
        } catch (IOException | IllegalArgumentException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return new CheckResult(name(), false, why, clock.instant());
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    private static void drain(HttpURLConnection c, int status) {
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            if (in != null) {
                in.readNBytes(64 * 1024);
            }
        } catch (IOException e) {
            // the status is what counts
        }
    }
}
