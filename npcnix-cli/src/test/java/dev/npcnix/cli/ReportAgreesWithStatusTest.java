package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.fleet.HostReportJson;
import dev.npcnix.json.Json;
import dev.npcnix.testing.FakeNixosSystem;
import dev.npcnix.testing.FakeNixosSystem.Behaviour;
import dev.npcnix.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One classification: after each poll, the state word in the host's report ({@code <remote>.hosts/}) is the
 * one {@code status --json} says for the same host files, through in sync, rolled back, quarantined,
 * failing and paused, on a temporary NixOS system with health checks.
 */
class ReportAgreesWithStatusTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private FakeNixosSystem system;
    private Path flake;
    private String data;
    private Path store;
    private String remote;

    @BeforeEach
    void setUp() {
        system = FakeNixosSystem.install(tmp.resolve("system"));
        cli.env(system.env());
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        data = tmp.resolve("data").toString();
        store = tmp.resolve("store");
        remote = store.resolve("prod.npcnix").toUri().toString();
    }

    @AfterEach
    void tearDown() {
        system.close();
    }

    private void publish(int version, Behaviour... behaviours) throws IOException {
        FakeNixosSystem.behave(flake, behaviours);
        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"web-" + version + "\"; }\n");
        assertThat(cli.run("publish", "--src", flake.toString(), "--remote", remote).code()).isZero();
    }

    /** One poll, then the report's word and status's word. */
    private List<String> pollAndCompare() throws IOException {
        cli.run("--data-dir", data, "follow", "--once", "--remote", remote, "--configuration", "web", "--host-id", "web-1",
                "--health-systemd", "--health-settle", "5s", "--health-deadline", "1m");
        String reported = HostReportJson.read(Files.readAllBytes(store.resolve("prod.npcnix.hosts/web-1.json"))).state().json();
        CliRunner.Result status = cli.run("--data-dir", data, "status", "--json");
        Map<?, ?> json = Json.object(Json.parse(status.out().getBytes(java.nio.charset.StandardCharsets.UTF_8)), "status");
        return List.of(reported, Json.text(json, "status"));
    }

    @Test
    void theReportSaysWhatStatusSays() throws IOException {
        List<List<String>> seen = new ArrayList<>();
        publish(1);
        seen.add(pollAndCompare());
        publish(2, Behaviour.UNIT_FAILS);
        seen.add(pollAndCompare());
        publish(3, Behaviour.EVAL_FAILS);
        seen.add(pollAndCompare());
        publish(4);
        Path release = store.resolve("prod.npcnix");
        Files.move(release, store.resolve("away"), StandardCopyOption.ATOMIC_MOVE);
        seen.add(pollAndCompare());
        Files.move(store.resolve("away"), release, StandardCopyOption.ATOMIC_MOVE);
        assertThat(cli.run("--data-dir", data, "pause").code()).isZero();
        seen.add(pollAndCompare());
        assertThat(cli.run("--data-dir", data, "unpause").code()).isZero();
        seen.add(pollAndCompare());

        assertThat(seen).as("[report, status] after each poll").containsExactly(
                List.of("in_sync", "in_sync"),
                List.of("rolled_back", "rolled_back"),
                List.of("quarantined", "quarantined"),
                List.of("failing", "failing"),
                List.of("paused", "paused"),
                List.of("in_sync", "in_sync"));
    }
}
