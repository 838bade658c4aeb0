package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.ErrorClass;
import dev.npcnix.state.HostState;
import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import dev.npcnix.testing.archive.HostileArchives.HostileCase;
import dev.npcnix.testing.archive.HostileArchives;
import dev.npcnix.testing.archive.TarBuilder;
import dev.npcnix.testing.archive.TreeSnapshot;
import dev.npcnix.testing.s3.S3Server;
import dev.npcnix.testing.s3.S3ServerExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every hostile or broken archive of the corpus, published to a remote, through the real commands: a
 * {@code pull} fails with exit 1 and a one-line error naming the problem, creates nothing anywhere (the
 * whole temp tree is compared before and after); a following host that already applied a good release
 * refuses it with exit 1, runs no {@code nixos-rebuild}, keeps the applied release recorded, quarantines
 * the hostile one, leaves {@code tmp/} empty and creates nothing outside its data dir. On {@code file://}
 * for every case, on S3 for a sample.
 */
class HostileReleaseTest {
    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension();

    /** What a data dir may hold after a poll. */
    private static final Set<String> DATA_DIR_FILES = Set.of("config.json", "state.json", "poll.json", "activate.lock", "follow.lock", "tmp",
            "report.json", "host-id");
    /** Where a host following {@code store/prod.npcnix} writes its report. */
    private static final String REPORTS = "store/prod.npcnix.hosts";
    private static final List<Path> ABSOLUTE_TARGETS = List.of(Path.of("/tmp/npcnix-hostile-absolute"),
            Path.of("/tmp/npcnix-hostile-longname"), Path.of("/tmp/npcnix-hostile-evil"));
    private static final Set<String> ON_S3 = Set.of("dotdot", "absolute-path", "symlink-escaping", "hardlink-outside",
            "char-device", "zstd-bomb", "truncated-middle", "garbage", "empty", "no-flake-nix");

    private static final AtomicInteger TRIED = new AtomicInteger();
    private static final AtomicInteger SAFE = new AtomicInteger();
    private static final Set<String> ARCHIVES = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A host that applied a good release from {@code shared/store/prod.npcnix}, copied for each case. */
    @TempDir
    static Path shared;
    private static String sharedGoodEtag;

    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private FakeNixosRebuild rebuild;
    private Path flake;
    private Path data;

    @BeforeAll
    static void aHostThatAppliedAGoodRelease() {
        HostileReleaseTest template = new HostileReleaseTest();
        template.tmp = shared;
        template.setUp();
        sharedGoodEtag = template.applyAGoodRelease(shared.resolve("store/prod.npcnix").toUri().toString());
    }

    @BeforeEach
    void setUp() {
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        S3Server server = S3.server();
        cli.env(rebuild.env()).env(server.clientEnv());
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        data = tmp.resolve("data");
        try {
            Files.createDirectories(tmp.resolve("pull"));
            Files.createDirectories(tmp.resolve("sentinel"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void figures() {
        int tried = TRIED.get();
        int safe = SAFE.get();
        HostFiles.figure("hostile inputs: " + tried + " tried / " + safe + " rejected safely, " + (tried - safe)
                + " lost (" + ARCHIVES.size() + " archives through pull and follow, file:// and s3://)");
    }

    /** The corpus, plus a well-formed archive that is not a flake. */
    static List<HostileCase> cases() {
        List<HostileCase> all = new ArrayList<>(HostileArchives.all());
        all.add(new HostileCase("no-flake-nix", "no flake.nix",
                () -> TarBuilder.tar().file("README", "not a flake\n").file("hosts/web.nix", "{ }\n").zstd()));
        return all;
    }

    static List<HostileCase> s3Cases() {
        return cases().stream().filter(c -> ON_S3.contains(c.name())).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void pullRefusesItAndCreatesNothing(HostileCase hostile) throws Exception {
        TRIED.incrementAndGet();
        Path store = tmp.resolve("store/prod.npcnix");
        Files.createDirectories(store.getParent());
        Files.write(store, hostile.bytes().get());

        assertPullRefused(hostile, store.toUri().toString());
        SAFE.incrementAndGet();
        ARCHIVES.add(hostile.name());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aFollowingHostQuarantinesItAndKeepsItsRelease(HostileCase hostile) throws Exception {
        TRIED.incrementAndGet();
        // the shared host's data dir and nixos-rebuild, and its remote now holding the hostile archive
        copyTree(shared.resolve("data"), data);
        rebuild = FakeNixosRebuild.install(shared.resolve("fake"));
        cli.env(rebuild.env());
        byte[] bytes = hostile.bytes().get();
        Files.write(shared.resolve("store/prod.npcnix"), bytes);

        assertFollowRefused(hostile, sharedGoodEtag, sha256(bytes));
        SAFE.incrementAndGet();
        ARCHIVES.add(hostile.name());
    }

    @ParameterizedTest(name = "s3 {0}")
    @MethodSource("s3Cases")
    void theSameOverS3(HostileCase hostile) throws Exception {
        TRIED.addAndGet(2);
        String bucket = "hostile-" + UUID.randomUUID().toString().substring(0, 8);
        S3.server().createBucket(bucket);
        String key = "remotes/prod.npcnix";
        String remote = "s3://" + bucket + "/" + key;
        String good = applyAGoodRelease(remote);
        String etag = S3.server().putObject(bucket, key, hostile.bytes().get()).replace("\"", "");

        assertPullRefused(hostile, remote);
        SAFE.incrementAndGet();
        assertFollowRefused(hostile, good, etag);
        SAFE.incrementAndGet();
    }

    @Test
    void setuidAndSetgidBitsAreDroppedNotRefused() throws Exception {
        byte[] tool = "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = TarBuilder.tar().file("flake.nix", "{ outputs = _: { }; }\n")
                .file("bin/suid", tool, 04755).file("bin/sgid", tool, 02755).file("bin/sticky", tool, 01644).zstd();
        Path store = tmp.resolve("store/prod.npcnix");
        Files.createDirectories(store.getParent());
        Files.write(store, bytes);

        CliRunner.Result pull = cli.run("pull", "--remote", store.toUri().toString(), "--dst", tmp.resolve("pull/dst").toString());
        assertThat(pull.code()).as(pull.err()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("pull/dst/bin/suid")))).isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("pull/dst/bin/sgid")))).isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("pull/dst/bin/sticky")))).isEqualTo("rw-r--r--");

        CliRunner.Result follow = cli.run("--data-dir", data.toString(), "follow", "--once", "--remote", store.toUri().toString(),
                "--configuration", "web");
        assertThat(follow.code()).as(follow.err()).isZero();
        assertThat(rebuild.invocations()).hasSize(1);
    }

    @Test
    void aFailedPullLeavesAnEmptyDestinationAndMissingParentsAsTheyWere() throws Exception {
        Path store = tmp.resolve("store/prod.npcnix");
        Files.createDirectories(store.getParent());
        Files.write(store, HostileArchives.byName("dotdot").bytes().get());
        String remote = store.toUri().toString();

        Path empty = Files.createDirectories(tmp.resolve("pull/empty"));
        TreeSnapshot before = TreeSnapshot.of(tmp);
        CliRunner.Result intoEmpty = cli.run("pull", "--remote", remote, "--dst", empty.toString());
        assertThat(intoEmpty.code()).as(intoEmpty.err()).isEqualTo(1);
        assertThat(TreeSnapshot.of(tmp)).as("the empty destination is still there").isEqualTo(before);

        CliRunner.Result deep = cli.run("pull", "--remote", remote, "--dst", tmp.resolve("pull/new/deeper/dst").toString());
        assertThat(deep.code()).as(deep.err()).isEqualTo(1);
        CliRunner.Result missing = cli.run("pull", "--remote", tmp.resolve("store/none.npcnix").toUri().toString(),
                "--dst", tmp.resolve("pull/other/dst").toString());
        assertThat(missing.code()).as(missing.err()).isEqualTo(1);
        assertThat(TreeSnapshot.of(tmp)).as("no parent directory left behind").isEqualTo(before);
    }

    /** Publishes the sample flake to {@code remote} and lets the host apply it; returns its ETag. */
    private String applyAGoodRelease(String remote) {
        String etag = HostFiles.publishedEtag(cli.run("publish", "--src", flake.toString(), "--remote", remote));
        CliRunner.Result r = cli.run("--data-dir", data.toString(), "follow", "--once", "--remote", remote, "--configuration", "web");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(rebuild.invocations()).hasSize(1);
        assertThat(HostFiles.appliedEtag(data)).isEqualTo(etag);
        return etag;
    }

    private void assertPullRefused(HostileCase hostile, String remote) {
        Path dst = tmp.resolve("pull/dst");
        TreeSnapshot before = TreeSnapshot.of(tmp);

        CliRunner.Result r = cli.run("pull", "--remote", remote, "--dst", dst.toString());

        assertThat(r.code()).as("pull of %s: %s", hostile.name(), r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("npcnix: ").contains(hostile.expectedMessage()).hasLineCount(1);
        assertThat(r.out()).isEmpty();
        assertThat(dst).doesNotExist();
        assertThat(TreeSnapshot.of(tmp)).as("the temp tree after pulling %s", hostile.name()).isEqualTo(before);
        assertThat(ABSOLUTE_TARGETS).noneMatch(Files::exists);
    }

    private void assertFollowRefused(HostileCase hostile, String goodEtag, String hostileEtag) {
        // The host's report next to the remote changes (it says the host is failing): that is its job.
        TreeSnapshot outside = TreeSnapshot.of(tmp).without("data").without(REPORTS);
        TreeSnapshot sharedOutside = TreeSnapshot.of(shared).without("data").without(REPORTS);

        CliRunner.Result r = cli.run("--data-dir", data.toString(), "follow", "--once");

        assertThat(r.code()).as("follow of %s: %s", hostile.name(), r.err()).isEqualTo(1);
        assertThat(rebuild.invocations()).as("nixos-rebuild runs").hasSize(1);
        assertThat(HostFiles.appliedEtag(data)).as("the applied release").isEqualTo(goodEtag);
        HostState state = HostFiles.state(data);
        assertThat(state.quarantined()).singleElement().satisfies(q -> {
            assertThat(q.etag().value()).isEqualTo(hostileEtag);
            assertThat(q.reason()).contains(hostile.expectedMessage()).doesNotContain("\n");
        });
        assertThat(state.lastAttempt()).get().extracting(HostState.Attempt::errorClass).isEqualTo(ErrorClass.DETERMINISTIC);
        assertThat(HostFiles.list(data.resolve("tmp"))).as("tmp/").isEmpty();
        assertThat(DATA_DIR_FILES).containsAll(HostFiles.list(data));
        assertThat(TreeSnapshot.of(tmp).without("data").without(REPORTS)).as("outside the data dir").isEqualTo(outside);
        assertThat(TreeSnapshot.of(shared).without("data").without(REPORTS)).as("outside the data dir").isEqualTo(sharedOutside);
        assertThat(ABSOLUTE_TARGETS).noneMatch(Files::exists);

        CliRunner.Result again = cli.run("--data-dir", data.toString(), "follow", "--once");
        assertThat(again.code()).as("the quarantined release is skipped, not retried").isEqualTo(1);
        assertThat(rebuild.invocations()).hasSize(1);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
