package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import dev.npcnix.testing.s3.S3Server;
import dev.npcnix.testing.s3.S3ServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What a host's files and the processes' traces look like: private data dir, no stray temp files, no secrets. */
class HygieneTest {
    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension();

    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private FakeNixosRebuild rebuild;
    private Path flake;
    private String remote;
    private Map<String, String> s3Env;

    @BeforeEach
    void setUp() {
        S3Server server = S3.server();
        String bucket = "hygiene-" + UUID.randomUUID().toString().substring(0, 8);
        server.createBucket(bucket);
        remote = "s3://" + bucket + "/npcnix/remotes/prod.npcnix";
        s3Env = Map.of(
                "AWS_ACCESS_KEY_ID", server.accessKey(),
                "AWS_SECRET_ACCESS_KEY", server.secretKey(),
                "AWS_REGION", server.region(),
                "AWS_ENDPOINT_URL_S3", server.endpoint().toString());
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        cli.env(rebuild.env()).env(s3Env);
        flake = Fixtures.webFlake(tmp.resolve("flake"));
    }

    @Test
    void bootstrapAndFollowNeverWriteToJavaIoTmpdir() throws Exception {
        assertThat(cli.run("publish", "--src", flake.toString(), "--remote", remote).code()).isZero();
        Path data = tmp.resolve("data");
        Path noTmpdir = tmp.resolve("no-such-java-io-tmpdir"); // any write there fails
        Map<String, String> env = new HashMap<>(rebuild.env());
        env.putAll(s3Env);
        Path log = Path.of("target", "test-logs", "hygiene", "cli.log");

        Process bootstrap = JvmCli.start(env, noTmpdir, log, "--data-dir", data.toString(), "bootstrap",
                "--remote", remote, "--configuration", "web", "--timeout", "1m");
        assertThat(bootstrap.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(bootstrap.exitValue()).as("bootstrap; see %s", log).isZero();

        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"v2\"; }\n");
        assertThat(cli.run("publish", "--src", flake.toString(), "--remote", remote).code()).isZero();
        Process follow = JvmCli.start(env, noTmpdir, log, "--data-dir", data.toString(), "follow", "--once");
        assertThat(follow.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(follow.exitValue()).as("follow; see %s", log).isZero();

        assertThat(rebuild.invocations()).hasSize(2);
        assertThat(noTmpdir).doesNotExist();
        assertThat(HostFiles.list(data.resolve("tmp"))).isEmpty();
    }
}
