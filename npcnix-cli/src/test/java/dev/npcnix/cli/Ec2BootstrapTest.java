package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import dev.npcnix.testing.ec2.FakeImds;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bootstrap --from-ec2}, as the NixOS module's first-boot unit runs it on an image: the remote
 * and configuration come from the instance (a real IMDSv2 stand-in), flags win over the instance.
 */
class Ec2BootstrapTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private FakeImds imds;
    private FakeNixosRebuild rebuild;
    private String data;
    private String remote;

    @BeforeEach
    void setUp() throws IOException {
        Path flake = Fixtures.webFlake(tmp.resolve("flake"));
        data = tmp.resolve("data").toString();
        remote = tmp.resolve("store/prod.npcnix").toUri().toString();
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        imds = FakeImds.start();
        cli.env(rebuild.env()).env(Map.of("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint().toString()));
        assertThat(cli.run("publish", "--src", flake.toString(), "--remote", remote).code()).isZero();
    }

    @AfterEach
    void tearDown() {
        imds.close();
    }

    @Test
    void remoteAndConfigurationFromInstanceTags() throws IOException {
        imds.put("/latest/meta-data/tags/instance/npcnix:remote", remote)
                .put("/latest/meta-data/tags/instance/npcnix:configuration", "web");
        CliRunner.Result r = cli.run("--data-dir", data, "bootstrap", "--from-ec2", "tags");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains(remote + " as web (from the EC2 instance's tags)");
        assertThat(rebuild.invocations()).singleElement().satisfies(inv -> assertThat(inv.flakeRef()).endsWith("#web"));
        assertThat(Files.readString(Path.of(data, "config.json"))).contains(remote);
    }

    @Test
    void remoteFromUserDataConfigurationFromTheFlag() {
        imds.put("/latest/user-data", "#!/bin/sh\nNPCNIX_REMOTE=" + remote + "\nNPCNIX_CONFIGURATION=db\n");
        CliRunner.Result r = cli.run("--data-dir", data, "bootstrap", "--from-ec2", "user-data", "--configuration", "web");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(rebuild.invocations()).singleElement().satisfies(inv -> assertThat(inv.flakeRef()).endsWith("#web"));
    }

    @Test
    void anInstanceWithoutTheTagIsInvalidInputNamingTheTag() {
        imds.put("/latest/meta-data/tags/instance/npcnix:configuration", "web");
        CliRunner.Result r = cli.run("--data-dir", data, "bootstrap", "--from-ec2", "tags");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo(
                "npcnix: bootstrap: no remote given and none in the EC2 instance's tags npcnix:remote and npcnix:configuration");
        assertThat(Path.of(data, "config.json")).doesNotExist();
    }

    @Test
    void offEc2TheErrorSaysSoAndNothingIsWritten() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        cli.env(Map.of("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + port));
        CliRunner.Result r = cli.run("--data-dir", data, "bootstrap", "--from-ec2", "tags");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("npcnix: EC2 instance metadata http://127.0.0.1:" + port).contains("no answer");
        assertThat(Path.of(data, "config.json")).doesNotExist();
    }

    @Test
    void withoutRemoteAndWithoutEc2ItIsInvalidInput() {
        CliRunner.Result r = cli.run("--data-dir", data, "bootstrap", "--configuration", "web");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--remote and --configuration are required (or --from-ec2 user-data|tags)");
    }
}
