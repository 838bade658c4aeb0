package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import dev.npcnix.testing.s3.S3Server;
import dev.npcnix.testing.s3.S3ServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
        s3Env = server.clientEnv();
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

    @Test
    void aFreshBootstrapMakesAPrivateDataDirAndPrivateFiles() {
        String fileRemote = tmp.resolve("store/prod.npcnix").toUri().toString();
        assertThat(cli.run("publish", "--src", flake.toString(), "--remote", fileRemote).code()).isZero();
        Path data = tmp.resolve("var/lib/npcnix");

        CliRunner.Result r = cli.run("--data-dir", data.toString(), "bootstrap", "--remote", fileRemote, "--configuration", "web");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(mode(data)).isEqualTo("rwx------");
        assertThat(mode(data.resolve("tmp"))).isEqualTo("rwx------");
        assertThat(HostFiles.list(data)).containsExactlyInAnyOrder("config.json", "state.json", "poll.json", "activate.lock", "tmp");
        for (String file : List.of("config.json", "state.json", "poll.json", "activate.lock")) {
            assertThat(mode(data.resolve(file))).as(file).isEqualTo("rw-------");
        }
        assertThat(HostFiles.list(data.resolve("tmp"))).isEmpty();
    }

    @Test
    void noCredentialReachesAnOutputOrALogEvenWhenTheStoreRefusesThem() throws Exception {
        long mark = HostFiles.logMark();
        String wrongSecret = "wrong/" + S3Server.SECRET_KEY;
        String unknownKeyId = "AKIANPCNIXUNKNOWN000";
        assertThat(cli.run("-v", "publish", "--src", flake.toString(), "--remote", remote).code()).isZero();
        List<CliRunner.Result> results = new ArrayList<>();
        for (Map<String, String> keys : List.of(
                Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", wrongSecret),
                Map.of("AWS_ACCESS_KEY_ID", unknownKeyId, "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY))) {
            CliRunner refused = new CliRunner();
            refused.env(rebuild.env()).env(s3Env).env(keys);
            Path data = tmp.resolve("data-" + results.size());
            results.add(refused.run("-v", "pull", "--remote", remote, "--dst", tmp.resolve("pulled").toString()));
            results.add(refused.run("-v", "publish", "--src", flake.toString(), "--remote", remote));
            results.add(refused.run("-v", "--data-dir", data.toString(), "bootstrap", "--remote", remote,
                    "--configuration", "web", "--timeout", "5m"));
            results.add(refused.run("--data-dir", data.toString(), "status"));
        }
        assertThat(results).filteredOn(r -> r.code() != 0).hasSize(6);

        StringBuilder everything = new StringBuilder(HostFiles.logSince(mark));
        results.forEach(r -> everything.append(r.out()).append(r.err()));
        assertThat(everything).as("the refusals were exercised")
                .contains("request signature rejected, check the secret key", "the access key id is not known to the store");
        for (Path log : suiteLogs()) {
            everything.append(Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        assertThat(everything.toString()).doesNotContain(S3Server.ACCESS_KEY, S3Server.SECRET_KEY, unknownKeyId);
    }

    /** The logs of the suite so far: every module's captured events and test output (this module's too). */
    private static List<Path> suiteLogs() throws java.io.IOException {
        List<Path> logs = new ArrayList<>();
        Path root = Path.of("").toAbsolutePath().getParent();
        try (var modules = Files.list(root)) {
            for (Path module : modules.toList()) {
                for (Path dir : List.of(module.resolve("target/test-logs"), module.resolve("target/surefire-reports"))) {
                    if (Files.isDirectory(dir)) {
                        try (var files = Files.walk(dir)) {
                            files.filter(Files::isRegularFile)
                                    .filter(p -> p.toString().endsWith(".log") || p.toString().endsWith(".txt"))
                                    .forEach(logs::add);
                        }
                    }
                }
            }
        }
        return logs;
    }

    private static String mode(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
