package dev.npcnix.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.npcnix.testing.Await;
import dev.npcnix.testing.TestClock;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of check against the real thing it checks: processes, an HTTP server, a systemctl stand-in. */
class HealthChecksTest {
    private static final Map<String, String> ENV = Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));

    @TempDir
    Path tmp;

    private final TestClock clock = TestClock.at("2026-03-01T12:00:00Z");
    private HttpServer server;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.stop(0);
        }
    }

    private static HealthSettings settings(boolean systemd, List<String> ignore, int budget, List<URI> urls, List<String> commands,
            Duration timeout) {
        return new HealthSettings(systemd, ignore, budget, urls, timeout, commands, timeout, false, Duration.ZERO,
                Duration.ofMinutes(1), Duration.ofSeconds(1));
    }

    private List<CheckResult> run(HealthSettings s, String systemctl) {
        return HealthChecks.of(s, ENV, systemctl, () -> "unused").runAll(clock);
    }

    @Test
    void aCommandPassesOnExitZeroAndFailsWithItsExitCodeAndOutput() {
        List<CheckResult> r = run(settings(false, List.of(), 0, List.of(), List.of("true", "echo 'db not ready'; exit 3"),
                Duration.ofSeconds(30)), "systemctl");
        assertThat(r).extracting(CheckResult::passed).containsExactly(true, false);
        assertThat(r.get(1).detail()).isEqualTo("exit 3: db not ready");
        assertThat(r.get(1).name()).isEqualTo("command echo 'db not ready'; exit 3");
    }

    @Test
    void aCommandPastItsTimeoutIsKilledWithItsWholeProcessGroup() {
        long marker = 86_400 + ProcessHandle.current().pid() % 10_000;
        // the first sleep leaves the command's process tree (a double fork): only the process group reaches it
        String command = "(sleep " + marker + " &) ; sleep " + (marker + 1);
        long start = System.nanoTime();

        List<CheckResult> r = run(settings(false, List.of(), 0, List.of(), List.of(command), Duration.ofMillis(500)), "systemctl");

        assertThat(r).singleElement().satisfies(c -> {
            assertThat(c.passed()).isFalse();
            assertThat(c.detail()).startsWith("timed out after 0.5 s and was killed");
        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        Await.until(Duration.ofSeconds(10), "no sleep " + marker + " left", () -> ProcessHandle.allProcesses()
                .noneMatch(p -> p.info().commandLine().orElse("").matches(".*sleep " + marker + "\\b.*")
                        || p.info().commandLine().orElse("").contains("sleep " + (marker + 1))));
    }

    @Test
    void anHttpCheckWants2xxInTimeAndDoesNotFollowRedirects() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        answer("/ok", 204);
        answer("/down", 503);
        answer("/login", 302);
        server.createContext("/slow", ex -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }

        List<CheckResult> r = run(settings(false, List.of(), 0, List.of(URI.create(base + "/ok"), URI.create(base + "/down"),
                URI.create(base + "/login"), URI.create(base + "/slow"), URI.create("http://127.0.0.1:" + closed + "/")),
                List.of(), Duration.ofMillis(700)), "systemctl");

        assertThat(r).extracting(CheckResult::passed).containsExactly(true, false, false, false, false);
        assertThat(r).extracting(CheckResult::detail).startsWith("HTTP 204", "HTTP 503", "HTTP 302", "no answer within 0.7 s");
        assertThat(r.get(4).detail()).containsIgnoringCase("refused");
    }

    @Test
    void theSystemdCheckCountsFailedUnitsButTheIgnoredOnesWithinTheBudget() throws IOException {
        Path systemctl = tmp.resolve("systemctl");
        Files.writeString(systemctl, """
                #!/bin/sh
                [ "$1 $2" = "list-units --state=failed" ] || exit 9
                echo "app.service loaded failed failed My app"
                echo "ignored-1.service loaded failed failed flaky"
                echo "backup.timer loaded failed failed Backups"
                """);
        Files.setPosixFilePermissions(systemctl, PosixFilePermissions.fromString("rwxr-xr-x"));

        CheckResult strict = run(settings(true, List.of("ignored-*.service"), 0, List.of(), List.of(), Duration.ofSeconds(5)),
                systemctl.toString()).get(0);
        CheckResult lenient = run(settings(true, List.of("ignored-*.service"), 2, List.of(), List.of(), Duration.ofSeconds(5)),
                systemctl.toString()).get(0);
        CheckResult missing = run(settings(true, List.of(), 0, List.of(), List.of(), Duration.ofSeconds(5)),
                tmp.resolve("nope").toString()).get(0);

        assertThat(strict.passed()).isFalse();
        assertThat(strict.detail()).isEqualTo("2 failed units: app.service, backup.timer (1 ignored)");
        assertThat(lenient.passed()).isTrue();
        assertThat(missing.passed()).isFalse();
        assertThat(missing.detail()).contains("cannot run");
    }

    @Test
    void theRemoteCheckFailsWithTheStoresReason() {
        HealthSettings s = new HealthSettings(false, List.of(), 0, List.of(), Duration.ofSeconds(1), List.of(), Duration.ofSeconds(1),
                true, Duration.ZERO, Duration.ofMinutes(1), Duration.ofSeconds(1));
        List<CheckResult> r = HealthChecks.of(s, ENV, "systemctl", () -> {
            throw new IllegalStateException("remote http://x/prod.npcnix: server error 503");
        }).runAll(clock);
        assertThat(r).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("remote");
            assertThat(c.passed()).isFalse();
            assertThat(c.detail()).isEqualTo("remote http://x/prod.npcnix: server error 503");
        });
    }

    @Test
    void settingsRefuseWhatCannotWork() {
        assertThat(HealthSettings.NONE.any()).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> settings(false, List.of(), 0, List.of(URI.create("ftp://h/x")),
                List.of(), Duration.ofSeconds(1))).hasMessageContaining("expected http://");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new HealthSettings(false, List.of(), 0, List.of(),
                Duration.ofSeconds(1), List.of(), Duration.ofSeconds(1), true, Duration.ofMinutes(2), Duration.ofMinutes(1),
                Duration.ofSeconds(1))).hasMessageContaining("settle");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> settings(true, List.of("a b"), 0, List.of(), List.of(),
                Duration.ofSeconds(1))).hasMessageContaining("not a unit name");
    }

    private void answer(String path, int status) {
        server.createContext(path, ex -> {
            byte[] body = ("status " + status + "\n").getBytes();
            if (status == 302) {
                ex.getResponseHeaders().set("Location", "/ok");
            }
            ex.sendResponseHeaders(status, status == 204 ? -1 : body.length);
            if (status != 204) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
            ex.close();
        });
    }
}
