package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.fleet.HostReportJson;
import dev.npcnix.json.Json;
import dev.npcnix.testing.FakeNixosSystem;
import dev.npcnix.testing.FakeNixosSystem.Behaviour;
import dev.npcnix.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * Safe activation through the real command line, on a temporary NixOS system: the health options
 * written to config.json, exit codes of a rolled-back and of a failed rollback, what status, history
 * and check say, the --on-rollback hook, the host's report agreeing with status, and the boot gate.
 */
class SafeActivationCliTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private FakeNixosSystem system;
    private Path flake;
    private String data;
    private String remote;

    @BeforeEach
    void setUp() {
        system = FakeNixosSystem.install(tmp.resolve("system"));
        cli.env(system.env());
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        data = tmp.resolve("data").toString();
        remote = tmp.resolve("store/prod.npcnix").toUri().toString();
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

    private CliRunner.Result follow(String... more) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--data-dir", data, "follow", "--once",
                "--remote", remote, "--configuration", "web", "--health-systemd", "--health-command", system.healthCommand(),
                "--health-url", system.healthUrl().toString(), "--health-settle", "5s", "--health-deadline", "1m"));
        args.addAll(java.util.List.of(more));
        return cli.run(args.toArray(String[]::new));
    }

    @Test
    void aReleaseThatFailsItsChecksIsRolledBackExitOneAndStatusAndHistorySaySo() throws IOException {
        publish(1);
        assertThat(follow().code()).isZero();
        assertThat(system.profileGeneration()).isEqualTo(2);
        publish(2, Behaviour.UNIT_FAILS);

        CliRunner.Result r = follow();

        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(system.profileGeneration()).isEqualTo(2);
        assertThat(system.current()).isEqualTo(system.generation(2));
        String status = cli.run("--data-dir", data, "status").out();
        assertThat(status).contains("state:          rolled back\n")
                .contains("health checks:  systemd, http " + system.healthUrl() + ", command " + system.healthCommand()
                        + " (settle 5s, deadline 60s)")
                .contains("last checks:    failed at")
                .containsPattern("FAILED +systemd +1 failed unit: app.service")
                .containsPattern("passed +http http://127.0.0.1:[0-9]+/health +HTTP 200")
                .contains("quarantined:");
        String history = cli.run("--data-dir", data, "history").out();
        assertThat(history.lines()).hasSize(2);
        assertThat(history.lines().toList().get(0)).contains("activated").contains("[3 checks passed]");
        assertThat(history.lines().toList().get(1)).contains("rolled back").contains("[failed: systemd]")
                .contains("unhealthy: release").contains("rolled back to generation 2");
        assertThat(cli.run("--data-dir", data, "history", "--json").out()).contains("\"result\" : \"rolled_back\"")
                .contains("\"error_class\" : \"unhealthy\"").contains("\"name\" : \"systemd\"");
        // never a loop: the next one-shot poll meets the quarantine and runs nothing
        int events = system.events().size();
        assertThat(cli.run("--data-dir", data, "follow", "--once").code()).isEqualTo(1);
        assertThat(system.events()).hasSize(events);
    }

    @Test
    void onRollbackTellsARealHookOfARollbackAndOfAFailedOne() throws IOException {
        Path hook = Fixtures.recordingHook(tmp.resolve("hooks/record"));
        Path told = tmp.resolve("told");
        String onRollback = hook + " " + told;
        publish(1);
        assertThat(follow("--on-rollback", onRollback).code()).isZero();
        assertThat(told).as("an activation is no rollback").doesNotExist();
        publish(2, Behaviour.UNIT_FAILS);

        assertThat(follow("--on-rollback", onRollback).code()).isEqualTo(1);

        List<String> first = Files.readAllLines(told);
        assertThat(first).contains("NPCNIX_RESULT=rolled_back", "NPCNIX_ERROR_CLASS=unhealthy", "NPCNIX_CONFIGURATION=web",
                "NPCNIX_REMOTE=" + remote, "---");
        assertThat(first).filteredOn(l -> l.startsWith("NPCNIX_RELEASE=")).singleElement().asString().hasSizeGreaterThan(15);
        assertThat(first).filteredOn(l -> l.startsWith("NPCNIX_ERROR=")).singleElement().asString().contains("systemd");

        // a release whose rollback fails too: the same hook, told so
        publish(3, Behaviour.HTTP_FAILS);
        Files.writeString(system.generation(2).resolve("bin/switch-to-configuration"), "#!/bin/sh\nexit 5\n");
        assertThat(follow("--on-rollback", onRollback).code()).isEqualTo(3);
        List<String> second = Files.readAllLines(told).subList(first.size(), Files.readAllLines(told).size());
        assertThat(second).contains("NPCNIX_RESULT=rollback_failed", "NPCNIX_ERROR_CLASS=unhealthy", "---");
    }

    /**
     * One classification: after each poll, the state in the host's report ({@code <remote>.hosts/}) is
     * the one {@code status --json} says for the same host files.
     */
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
        Path release = Path.of(java.net.URI.create(remote));
        Files.move(release, release.resolveSibling("away"), StandardCopyOption.ATOMIC_MOVE);
        seen.add(pollAndCompare());
        Files.move(release.resolveSibling("away"), release, StandardCopyOption.ATOMIC_MOVE);
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

    /** One poll with reports on, then [the report's state, status --json's]. */
    private List<String> pollAndCompare() throws IOException {
        follow("--host-id", "web-1");
        Path report = Path.of(java.net.URI.create(remote)).resolveSibling("prod.npcnix.hosts/web-1.json");
        String reported = HostReportJson.read(Files.readAllBytes(report)).state().json();
        CliRunner.Result status = cli.run("--data-dir", data, "status", "--json");
        Map<?, ?> json = Json.object(Json.parse(status.out().getBytes(StandardCharsets.UTF_8)), "status");
        return List.of(reported, Json.text(json, "status"));
    }

    @Test
    void aFailedRollbackIsExitThreeAndLoud() throws IOException {
        publish(1, Behaviour.HTTP_FAILS);
        Files.writeString(system.generation(1).resolve("bin/switch-to-configuration"), "#!/bin/sh\nexit 5\n");

        CliRunner.Result r = follow();

        assertThat(r.code()).as(r.err()).isEqualTo(3);
        assertThat(cli.run("--data-dir", data, "status").out()).contains("ROLLBACK FAILED");
        assertThat(cli.run("--data-dir", data, "history").out()).contains("rollback failed");
        assertThat(system.profileGeneration()).as("the profile never moved to the release").isEqualTo(1);
    }

    @Test
    void checkRunsTheConfiguredChecksNowAndDeclarativeFollowWithoutThemClearsThem() throws IOException {
        publish(1);
        assertThat(follow().code()).isZero();

        CliRunner.Result ok = cli.run("--data-dir", data, "check");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out().lines()).hasSize(3).allMatch(l -> l.startsWith("passed"));
        CliRunner.Result json = cli.run("--data-dir", data, "check", "--json");
        assertThat(json.out()).contains("\"schema\" : 1").contains("\"passed\" : true");

        Files.writeString(system.root().resolve("run/failed-units"), "db.service\n");
        CliRunner.Result failing = cli.run("--data-dir", data, "check");
        assertThat(failing.code()).isEqualTo(1);
        assertThat(failing.out()).containsPattern("FAILED +systemd +1 failed unit: db.service");

        publish(2);
        assertThat(cli.run("--data-dir", data, "follow", "--once", "--declarative").code()).isZero();
        assertThat(Files.readString(tmp.resolve("data/config.json"))).doesNotContain("health");
        assertThat(cli.run("--data-dir", data, "check").out()).startsWith("no health checks configured");
    }

    @Test
    void theBootGateWaitsForTheDaemonsVerdictOnThisBoot() throws IOException {
        publish(1);
        assertThat(follow().code()).isZero();
        system.reboot();

        CliRunner.Result none = cli.run("--data-dir", data, "check", "--boot", "--timeout", "30s");
        assertThat(none.code()).as("no verdict on this boot within the timeout").isEqualTo(1);
        assertThat(none.err()).contains("did not judge this boot within 30s");

        assertThat(cli.run("--data-dir", data, "follow", "--once").code()).isZero(); // the daemon's first poll judges the boot
        CliRunner.Result good = cli.run("--data-dir", data, "check", "--boot");
        assertThat(good.code()).as(good.err()).isZero();
        assertThat(good.out()).startsWith("this boot: checks passed");
        assertThat(cli.run("--data-dir", data, "status", "--json").out()).contains("\"boot_check\" : {")
                .contains("\"boot_id\" : \"" + system.bootId() + "\"");
    }
}
