package dev.npcnix.activate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.ConfigurationName;
import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NixosRebuildActivatorTest {
    @TempDir
    Path tmp;

    @Test
    void runsNixosRebuildWithTheDocumentedArgumentsInTheFlakeDir() throws Exception {
        FakeNixosRebuild fake = FakeNixosRebuild.install(tmp.resolve("fake"));
        Path flake = Fixtures.webFlake(tmp.resolve("flake"));
        ActivationRequest request = new ActivationRequest(flake, ConfigurationName.of("web"), Operation.SWITCH,
                List.of("https://cache.example.com", "s3://my-cache"), List.of("cache.example.com-1:abc="));

        Activators.nixosRebuild(fake.env(), Optional.empty()).activate(request);

        FakeNixosRebuild.Invocation run = fake.invocations().get(0);
        assertThat(run.args()).containsExactly("switch", "-L", "--flake", "path:" + flake.toRealPath() + "#web",
                "--option", "extra-substituters", "https://cache.example.com",
                "--option", "extra-substituters", "s3://my-cache",
                "--option", "extra-trusted-public-keys", "cache.example.com-1:abc=");
        assertThat(run.cwd()).isEqualTo(flake.toRealPath());
        assertThat(run.tree().resolve("flake.nix")).hasSameTextualContentAs(flake.resolve("flake.nix"));
        assertThat(run.finished()).isTrue();
    }

    @Test
    void operationsMapToNixosRebuildWords() {
        assertThat(List.of(Operation.values()).stream().map(Operation::arg))
                .containsExactly("switch", "boot", "test", "dry-activate");
        assertThat(Operation.parse("dry-activate")).isEqualTo(Operation.DRY_ACTIVATE);
        assertThatThrownBy(() -> Operation.parse("reboot")).hasMessageContaining("expected switch, boot, test or dry-activate");
    }

    @Test
    void aFailingRebuildIsADeterministicErrorWithItsExitCodeAndLastLines() {
        FakeNixosRebuild fake = FakeNixosRebuild.install(tmp.resolve("fake"));
        fake.exitWith(3);
        Path flake = Fixtures.webFlake(tmp.resolve("flake"));

        assertThatThrownBy(() -> Activators.nixosRebuild(fake.env(), Optional.empty())
                .activate(new ActivationRequest(flake, ConfigurationName.of("web"), Operation.BOOT, List.of(), List.of())))
                .isInstanceOfSatisfying(ActivationException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(3);
                    assertThat(e.isTransient()).isFalse();
                    assertThat(e.lastLines()).contains("error: fake nixos-rebuild failing with 3 as told");
                    assertThat(e.getMessage()).startsWith("nixos-rebuild exited 3: ").contains("failing with 3");
                });
        assertThat(fake.invocations().get(0).operation()).isEqualTo("boot");
    }

    @Test
    void aRebuildKilledByASignalIsAnInterruptionAndStderrIsLoggedAsWarnings() {
        FakeNixosRebuild fake = FakeNixosRebuild.install(tmp.resolve("fake"));
        fake.exitWith(143); // how a shell reports a child killed by SIGTERM, and the JDK a process that was
        Path flake = Fixtures.webFlake(tmp.resolve("flake"));
        long mark = dev.npcnix.testing.LogCapture.mark();

        assertThatThrownBy(() -> Activators.nixosRebuild(fake.env(), Optional.empty())
                .activate(new ActivationRequest(flake, ConfigurationName.of("web"), Operation.SWITCH, List.of(), List.of())))
                .isInstanceOfSatisfying(ActivationException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo(dev.npcnix.ErrorClass.INTERRUPTED);
                    assertThat(e.isTransient()).isTrue();
                    assertThat(e.getMessage()).startsWith("nixos-rebuild exited 143 (killed by SIGTERM): ");
                });
        String log = dev.npcnix.testing.LogCapture.since(mark);
        assertThat(log).contains("WARN  [subprocess-errors] nixos-rebuild - error: fake nixos-rebuild failing with 143 as told")
                .contains("INFO  [subprocess-output] nixos-rebuild - fake nixos-rebuild: switch");
        assertThat(ActivationException.signalOf(128)).isEmpty();
        assertThat(ActivationException.signalOf(137)).hasValue(9);
        assertThat(ActivationException.signalOf(255)).isEmpty();
    }

    @Test
    void aHangingRebuildIsKilledWithItsChildrenAfterTheTimeout() throws Exception {
        FakeNixosRebuild fake = FakeNixosRebuild.install(tmp.resolve("fake"));
        int marker = 86_400 + (int) (ProcessHandle.current().pid() % 10_000); // a sleep length no one else uses
        fake.sleepFor(marker);
        Path flake = Fixtures.webFlake(tmp.resolve("flake"));

        assertThatThrownBy(() -> Activators.nixosRebuild(fake.env(), Optional.of(Duration.ofMillis(500)))
                .activate(new ActivationRequest(flake, ConfigurationName.of("web"), Operation.SWITCH, List.of(), List.of())))
                .isInstanceOfSatisfying(ActivationException.class, e -> {
                    assertThat(e.getMessage()).contains("timed out after PT0.5S and was killed");
                    assertThat(e.isTransient()).isFalse();
                });
        assertThat(ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("sleep " + marker)))
                .as("the rebuild's child processes")
                .isEmpty();
        assertThat(fake.invocations().get(0).finished()).isFalse();
    }

    @Test
    void aMissingExecutableIsATransientHostProblem() {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", tmp.toString());
        assertThatThrownBy(() -> Activators.nixosRebuild(env, Optional.empty())
                .activate(new ActivationRequest(tmp, ConfigurationName.of("web"), Operation.SWITCH, List.of(), List.of())))
                .isInstanceOfSatisfying(ActivationException.class, e -> {
                    assertThat(e.isTransient()).isTrue();
                    assertThat(e.getMessage()).isEqualTo("nixos-rebuild: not found on PATH (set NPCNIX_NIXOS_REBUILD to its path)");
                });
    }

    @Test
    void executableComesFromTheEnvironmentThenPath() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        FakeNixosRebuild fake = FakeNixosRebuild.install(tmp);
        assertThat(Activators.executable(Map.of("PATH", "/nonexistent:" + bin))).contains(fake.executable().toString());
        assertThat(Activators.executable(Map.of("NPCNIX_NIXOS_REBUILD", "/opt/x", "PATH", bin.toString()))).contains("/opt/x");
    }

    @Test
    void dryRunPrintsTheCommandAndRunsNothing() {
        List<String> out = new ArrayList<>();
        FakeNixosRebuild fake = FakeNixosRebuild.install(tmp.resolve("fake"));
        Activators.dryRun(out::add, fake.env()).activate(new ActivationRequest(tmp, ConfigurationName.of("web"),
                Operation.SWITCH, List.of(), List.of()));
        assertThat(out).singleElement().asString()
                .startsWith("dry run: would run in " + tmp.toAbsolutePath().normalize())
                .endsWith("switch -L --flake path:" + tmp.toAbsolutePath().normalize() + "#web");
        assertThat(fake.invocations()).isEmpty();
    }
}
